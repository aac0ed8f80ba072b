/**
 * The four measurements, run from the orchestrator against one target (Ringlet or
 * the relay): each phase drives the load children and reads the server child.
 */
import type { Child } from './ipc.ts';
import type { BenchOptions, TargetKind } from './options.ts';
import type { OpenLoopResult, RoundTripResult } from './load-gen.ts';
import { cpuDelta, round, summarize, type Summary } from './stats.ts';
import { busyPct, readCpuTimes } from './machine.ts';

/** One server under test plus its load generators. */
export interface Target { kind: TargetKind; server: Child; loaders: Child[]; opts: BenchOptions; log: (s: string) => void }

type Mem = NodeJS.MemoryUsage & { gcAvailable: boolean };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Login tokens for `ids` (Ringlet: server.userSig, which also registers the user; relay: ''). */
async function sigsFor(t: Target, ids: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (let i = 0; i < ids.length; i += 1000) {
    const batch = ids.slice(i, i + 1000);
    const sigs = await t.server.request<string[]>('sigs', { ids: batch, ttl: 3 * 3600 });
    batch.forEach((id, k) => out.set(id, sigs[k] ?? ''));
  }
  return out;
}

interface LoginSummary { ok: number; failures: number; ms: number; firstError?: string }

/** Log `users` in; users[k] goes to loader `loaderOf(k)`, all loaders in parallel. */
async function loginSpread(t: Target, group: string, users: Array<{ id: string; key: string }>, loaderOf: (k: number) => number): Promise<LoginSummary> {
  const sigs = await sigsFor(t, [...new Set(users.map((u) => u.id))]);
  const per: Array<Array<{ id: string; key: string; sig: string }>> = t.loaders.map(() => []);
  users.forEach((u, k) => per[loaderOf(k)]!.push({ ...u, sig: sigs.get(u.id) ?? '' }));
  const res = await Promise.all(t.loaders.map((l, k) =>
    l.request<LoginSummary>('login', { group, users: per[k], concurrency: t.opts.loginConcurrency, deadlineMs: 150_000 }, 170_000)));
  const sum: LoginSummary = { ok: 0, failures: 0, ms: 0 };
  for (const r of res) { sum.ok += r.ok; sum.failures += r.failures; sum.ms = Math.max(sum.ms, r.ms); sum.firstError ??= r.firstError; }
  if (sum.failures) t.log(`  ${sum.failures} login(s) failed, first: ${sum.firstError}`);
  return sum;
}

/** Pairs (inviter, invitee) named `${p}a${i}`/`${p}b${i}`, logged in; pair i lives on loader i % L. */
async function loginPairs(t: Target, group: string, prefix: string, n: number): Promise<Array<Array<[string, string]>>> {
  const users: Array<{ id: string; key: string }> = [];
  for (let i = 0; i < n; i++) users.push({ id: `${prefix}a${i}`, key: `${prefix}a${i}` }, { id: `${prefix}b${i}`, key: `${prefix}b${i}` });
  const L = t.loaders.length;
  const r = await loginSpread(t, group, users, (k) => Math.floor(k / 2) % L);
  if (r.failures) throw new Error(`${r.failures} of ${users.length} logins failed: ${r.firstError}`);
  const byLoader: Array<Array<[string, string]>> = t.loaders.map(() => []);
  for (let i = 0; i < n; i++) byLoader[i % L]!.push([`${prefix}a${i}`, `${prefix}b${i}`]);
  return byLoader;
}

// ------------------------------------------------------------------ d. memory

export interface MemoryResult {
  sessions: number; users: number; devicesPerUser: number; loggedIn: number; loginMs: number; loginsPerSec: number;
  rssPerSessionB: number; heapUsedPerSessionB: number; externalPerSessionB: number; clientRssPerSessionB: number;
  /** fresh: before the accounts were registered; before: registered, no session (the baseline). */
  fresh: { rss: number; heapUsed: number; external: number }; before: { rss: number; heapUsed: number; external: number }; after: { rss: number; heapUsed: number; external: number };
  gcAvailable: boolean;
}

/** Server RSS/heap (after gc) before and after `sessions` idle logins, per session. */
export async function memoryPhase(t: Target): Promise<MemoryResult> {
  const { sessions, devices } = t.opts;
  const U = sessions / devices;
  const users = Array.from({ length: sessions }, (_, i) => ({ id: `m${i % U}`, key: `m${i % U}#${Math.floor(i / U)}` }));
  const fresh = await t.server.request<Mem>('mem', { gc: true });
  await sigsFor(t, [...new Set(users.map((u) => u.id))]); // register accounts before the baseline
  await sleep(500);
  const before = await t.server.request<Mem>('mem', { gc: true });
  const cBefore = await Promise.all(t.loaders.map((l) => l.request<Mem>('mem', { gc: true })));
  const L = t.loaders.length;
  const login = await loginSpread(t, 'mem', users, (k) => k % L);
  await sleep(t.opts.quick ? 500 : 2000);
  const after = await t.server.request<Mem>('mem', { gc: true });
  const cAfter = await Promise.all(t.loaders.map((l) => l.request<Mem>('mem', { gc: true })));
  await Promise.all(t.loaders.map((l) => l.request('drop', { group: 'mem' }, 120_000)));
  const n = Math.max(1, login.ok);
  const clientDelta = cAfter.reduce((s, m, k) => s + m.rss - cBefore[k]!.rss, 0);
  const pick = (m: Mem) => ({ rss: m.rss, heapUsed: m.heapUsed, external: m.external });
  return {
    sessions, users: U, devicesPerUser: devices, loggedIn: login.ok, loginMs: round(login.ms, 0),
    loginsPerSec: round(login.ok / (login.ms / 1000), 0),
    rssPerSessionB: round((after.rss - before.rss) / n, 0),
    heapUsedPerSessionB: round((after.heapUsed - before.heapUsed) / n, 0),
    externalPerSessionB: round((after.external + after.arrayBuffers - before.external - before.arrayBuffers) / n, 0),
    clientRssPerSessionB: round(clientDelta / n, 0),
    fresh: pick(fresh), before: pick(before), after: pick(after), gcAvailable: before.gcAvailable,
  };
}

// ------------------------------------------------------------------ a. round trip

export type RttResult = Summary & { errors: number; timeouts: number; firstError?: string };

/**
 * Sequential invite→accept round trips of one pair per target, run in alternating blocks
 * (relay block, Ringlet block, relay block, ...) so that noise from other processes on
 * the machine lands on both targets alike and the ratio stays fair. Each block after the
 * first starts with a few unrecorded round trips to re-warm after the other target ran.
 */
export async function rttInterleaved(targets: Target[], log: (s: string) => void): Promise<Map<Target, RttResult>> {
  const out = new Map<Target, RttResult>();
  if (targets.length === 0) return out;
  const o = targets[0]!.opts;
  for (const t of targets) await loginSpread(t, 'rtt', [{ id: 'rt-a', key: 'rt-a' }, { id: 'rt-b', key: 'rt-b' }], () => 0);
  const blocks = Math.max(1, Math.min(o.rttBlocks, o.rttCount));
  const per = Math.ceil(o.rttCount / blocks);
  const acc = new Map<Target, { samples: number[]; errors: number; timeouts: number; firstError?: string }>();
  for (const t of targets) acc.set(t, { samples: [], errors: 0, timeouts: 0 });
  const deadlineMs = o.quick ? 20_000 : 60_000;
  for (let b = 0; b < blocks; b++) {
    for (const t of targets) {
      const a = acc.get(t)!;
      const r = await t.loaders[0]!.request<RoundTripResult>('rtt', {
        group: 'rtt', a: 'rt-a', b: 'rt-b', count: per, warm: b === 0 ? o.rttWarm : 10, gapMs: o.rttGapMs, deadlineMs,
      }, deadlineMs + 15_000);
      for (const v of r.samples) a.samples.push(v);
      a.errors += r.errors;
      a.timeouts += r.timeouts;
      a.firstError ??= r.firstError;
    }
  }
  for (const t of targets) {
    const a = acc.get(t)!;
    if (a.samples.length === 0) throw new Error(`${t.kind}: no round trip completed (${a.firstError ?? `${a.timeouts} timeouts`})`);
    out.set(t, { ...roundSummary(summarize(a.samples)), errors: a.errors, timeouts: a.timeouts, ...(a.firstError ? { firstError: a.firstError } : {}) });
  }
  log(`  ${blocks} alternating blocks of ${per} round trips per target`);
  return out;
}

function roundSummary(s: Summary): Summary {
  return { n: s.n, p50: round(s.p50), p90: round(s.p90), p99: round(s.p99), max: round(s.max), mean: round(s.mean) };
}

// ------------------------------------------------------------------ open-loop step

export interface StepResult {
  rate: number; achieved: number; sent: number; p50: number; p99: number; max: number; missing: number; errors: number;
  serverCpuPct: number; clientCpuPct: number; otherCpuPct: number; maxSendLagMs: number; sendLagP99Ms: number; netChanges: number; pass: boolean; firstError?: string;
}

/** One open-loop run at `rate` over all loaders; latencies merged (missing = infinite). */
async function step(t: Target, group: string, pairs: Array<Array<[string, string]>>, rate: number, tag: string,
  durationMs: number, warmMs: number, drainMs = t.opts.drainMs): Promise<StepResult & { serverCpuUs: number; diskWriteBytes: number }> {
  const L = t.loaders.length;
  const cpu0 = await t.server.request<NodeJS.CpuUsage>('cpu');
  const io0 = await t.server.request<Record<string, number>>('io');
  const m0 = readCpuTimes();
  const w0 = performance.now();
  const rs = await Promise.all(t.loaders.map((l, k) => l.request<OpenLoopResult>('openLoop',
    { group, pairs: pairs[k], rate: rate / L, durationMs, warmMs, drainMs, tag }, durationMs + drainMs + 30_000)));
  const cpu1 = await t.server.request<NodeJS.CpuUsage>('cpu');
  const io1 = await t.server.request<Record<string, number>>('io');
  const diskWriteBytes = (io1.write_bytes ?? NaN) - (io0.write_bytes ?? NaN);
  const machine = busyPct(m0, readCpuTimes());
  const wall = performance.now() - w0;
  let clientSum = 0;
  const lat: number[] = [];
  let achieved = 0, missing = 0, errors = 0, sent = 0, clientCpuPct = 0, maxSendLagMs = 0, sendLagP99Ms = 0, netChanges = 0;
  let firstError: string | undefined;
  for (const r of rs) {
    for (const v of r.latencies) lat.push(v);
    for (let i = 0; i < r.missing; i++) lat.push(Infinity);
    achieved += r.completedInWindow / r.windowSec;
    missing += r.missing; errors += r.errors; sent += r.sent;
    clientCpuPct = Math.max(clientCpuPct, r.clientCpuPct);
    clientSum += r.clientCpuPct;
    maxSendLagMs = Math.max(maxSendLagMs, r.maxSendLagMs);
    sendLagP99Ms = Math.max(sendLagP99Ms, r.sendLagP99Ms);
    netChanges += (r.netChanges ?? 0) + (r.kicked ?? 0);
    firstError ??= r.firstError;
  }
  const s = summarize(lat);
  const serverCpuUs = cpuDelta(cpu0, cpu1);
  const serverCpuPct = (serverCpuUs / 1000 / wall) * 100;
  const pass = s.p99 < t.opts.p99LimitMs && achieved >= t.opts.achievedMin * rate && errors === 0;
  return {
    rate, achieved: round(achieved, 0), sent, p50: round(s.p50, 2), p99: round(s.p99, 2), max: round(s.max, 2), missing, errors,
    serverCpuPct: round(serverCpuPct, 1), clientCpuPct: round(clientCpuPct, 1),
    // everything else on the machine (orchestrator included): other users' builds/tests show here
    otherCpuPct: round(Math.max(0, machine - serverCpuPct - clientSum), 1),
    maxSendLagMs: round(maxSendLagMs, 1), sendLagP99Ms, netChanges, pass, serverCpuUs, diskWriteBytes, ...(firstError ? { firstError } : {}),
  };
}

/** Wait (at most 5 s) until the server's CPU falls under 15 %, so a step does not inherit the last one's backlog. */
async function cooldown(t: Target): Promise<void> {
  await sleep(200);
  for (let k = 0; k < 25; k++) {
    const a = await t.server.request<NodeJS.CpuUsage>('cpu');
    await sleep(200);
    const b = await t.server.request<NodeJS.CpuUsage>('cpu');
    if (cpuDelta(a, b) / 1000 / 200 < 0.15) return;
  }
}

// ------------------------------------------------------------------ c. CPU per invite

/** What --sql-stats reports for the CPU phase. */
export interface SqlStats { framesOut: number; bytesOut: number; framesByType: Record<string, number>; commits: number; statements: Array<{ sql: string; calls: number; totalMs: number }> }

export interface CpuResult { sql?: SqlStats; diskWriteBytesPerInvite: number; /** SQLite write commits per invite+accept (Ringlet on SQLite only). */ commitsPerInvite?: number; invites: number; rate: number; serverCpuUs: number; usPerInvite: number; serverCpuPct: number; otherCpuPct: number; p50: number; p99: number; missing: number; errors: number; profileFile?: string }

/** Fixed-count open-loop run at a fixed moderate rate; server CPU delta / invites. */
export async function cpuPhase(t: Target, profileFile?: string): Promise<CpuResult> {
  const pairs = await loginPairs(t, 'cpu', 'c', t.opts.pairs);
  const durationMs = (t.opts.cpuCount / t.opts.cpuRate) * 1000;
  const sqlStats = t.opts.sqlStats && t.kind === 'ringlet';
  if (profileFile) await t.server.request('profStart');
  if (sqlStats) await t.server.request('sqlReset');
  const commits = () => (t.kind === 'ringlet' ? t.server.request<number>('commits') : Promise.resolve(NaN));
  const c0 = await commits();
  // long drain: the CPU of every invite must be inside the measurement (it ends as soon as all completed)
  const s = await step(t, 'cpu', pairs, t.opts.cpuRate, 'cpu', durationMs, 0, Math.max(t.opts.drainMs, 30_000));
  const c1 = await commits();
  const sql = sqlStats ? await t.server.request<SqlStats>('sqlStats', { top: 25 }) : undefined;
  if (profileFile) await t.server.request('profStop', { file: profileFile });
  await Promise.all(t.loaders.map((l) => l.request('drop', { group: 'cpu' }, 60_000)));
  return {
    invites: s.sent, rate: t.opts.cpuRate, serverCpuUs: s.serverCpuUs, usPerInvite: round(s.serverCpuUs / Math.max(1, s.sent), 1),
    diskWriteBytesPerInvite: round(s.diskWriteBytes / Math.max(1, s.sent), 0),
    ...(Number.isFinite(c1 - c0) ? { commitsPerInvite: round((c1 - c0) / Math.max(1, s.sent), 2) } : {}),
    serverCpuPct: s.serverCpuPct, otherCpuPct: s.otherCpuPct, p50: s.p50, p99: s.p99, missing: s.missing, errors: s.errors,
    ...(profileFile ? { profileFile } : {}),
    ...(sql ? { sql } : {}),
  };
}

// ------------------------------------------------------------------ b. sustained rate

/**
 * What most likely stopped the first failing step: the server's CPU, the load generator
 * (busy or late sending), other processes on the machine, or none of those (latency
 * grew without a saturated CPU: look for blocking I/O or serialization in the server).
 */
export type LimitedBy = 'server-cpu' | 'load-generator' | 'other-processes' | 'not-cpu' | 'none';

export interface ThroughputResult { sustained: number; capped: boolean; limitedBy: LimitedBy; steps: StepResult[] }

/** Step search: double from startRate until a step fails, then bisect; bounded by count and time. */
export async function throughputPhase(t: Target): Promise<ThroughputResult> {
  const o = t.opts;
  const pairs = await loginPairs(t, 'tp', 't', o.pairs);
  const steps: StepResult[] = [];
  const t0 = performance.now();
  const inBudget = () => performance.now() - t0 < o.searchBudgetMs;
  let n = 0;
  const run = async (rate: number) => {
    const { serverCpuUs: _cpu, diskWriteBytes: _io, ...s } = await step(t, 'tp', pairs, rate, `s${n++}`, o.stepMs, o.stepWarmMs);
    steps.push(s);
    t.log(`  step ${String(rate).padStart(6)}/s: achieved ${s.achieved}/s p50 ${s.p50} ms p99 ${s.p99} ms missing ${s.missing} errors ${s.errors} server ${s.serverCpuPct}% client ${s.clientCpuPct}% other ${s.otherCpuPct}% send-lag p99 ${s.sendLagP99Ms} ms${s.netChanges ? ` net-events ${s.netChanges}` : ''} ${s.pass ? 'PASS' : 'fail'}`);
    await cooldown(t);
    return s.pass;
  };
  let lo = 0, hi = 0;
  let rate = o.startRate;
  if (await run(rate)) {
    lo = rate;
    while (rate * 2 <= o.maxRate && inBudget()) {
      rate *= 2;
      if (await run(rate)) lo = rate; else { hi = rate; break; }
    }
  } else {
    hi = rate;
    while (rate / 2 >= 25 && inBudget()) {
      rate = Math.round(rate / 2);
      if (await run(rate)) { lo = rate; break; } else hi = rate;
    }
  }
  for (let k = 0; k < o.bisect && lo > 0 && hi > 0 && (hi - lo) / lo > 0.1 && inBudget(); k++) {
    const mid = Math.round((lo + hi) / 2 / 10) * 10;
    if (await run(mid)) lo = mid; else hi = mid;
  }
  const failing = steps.find((s) => s.rate === hi);
  return { sustained: lo, capped: hi === 0, steps, limitedBy: classify(failing, o) };
}

function classify(f: StepResult | undefined, o: BenchOptions): LimitedBy {
  if (!f) return 'none';
  // others first: on 2 cores, a neighbour using half a core or more also makes our processes late
  if (f.otherCpuPct >= 50) return 'other-processes';
  if (f.clientCpuPct >= 85 || f.sendLagP99Ms > o.p99LimitMs / 2) return 'load-generator';
  if (f.serverCpuPct >= 70) return 'server-cpu';
  return 'not-cpu';
}
