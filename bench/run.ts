/**
 * Ringlet benchmark: the real server (SQLite file, child process) against a bare
 * WebSocket relay (child process), driven by load-generator child processes.
 *
 *   npm run bench                 full run (~3 min on 2 cores)
 *   npm run bench -- --quick      smoke run (~30 s), writes results/quick.tmp.json
 *   npm run bench -- --targets=ringlet --phases=cpu --profile --sql-stats   (see options.ts)
 *
 * Both targets are started up front (an idle server costs nothing). Phases, in order:
 * memory (fresh servers), round trip (alternating blocks between targets), CPU per
 * invite (fixed count), sustained rate (step search, last: it grows the store most).
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { killAllChildren, repoRoot, spawnChild, type Child } from './ipc.ts';
import { sampleBusy } from './machine.ts';
import { parseOptions, TARGET_KINDS, type BenchOptions, type TargetKind as Kind } from './options.ts';
import { measurePages } from './pages.ts';
import { cpuPhase, memoryPhase, rttInterleaved, throughputPhase, type Target } from './phases.ts';
import { summarizeByArea, summarizeProfile } from './profiler.ts';
import { buildRows, formatTable, machineInfo, writeResults, type TargetResult } from './report.ts';

type PhaseName = 'memory' | 'rtt' | 'cpu' | 'throughput';

const log = (s: string) => console.log(s);
const resultsDir = path.join(repoRoot, 'bench', 'results');
const children: Child[] = [];

/** Start `kind`'s server child and its load children; null (error recorded) if it cannot start. */
async function startTarget(kind: Kind, opts: BenchOptions, res: TargetResult, variant: 'metrics' | null = null): Promise<Target | null> {
  if (kind === 'ringlet' && !existsSync(path.join(repoRoot, 'src/server/index.ts'))) {
    res.errors.start = 'src/server/index.ts does not exist yet';
    log(`[ringlet] skipped: ${res.errors.start}`);
    return null;
  }
  try {
    log(`[${kind}] starting server child and ${opts.loaders} load generator(s)`);
    const name = variant ? `${kind}-${variant}` : kind;
    const server = await spawnChild(`${name}-server`, `${kind === 'ringlet' ? 'server' : kind}-child.ts`, {
      nodeFlags: ['--expose-gc'], logFile: path.join(resultsDir, `${name}-server.log`),
      args: [...(opts.sqlStats && kind === 'ringlet' ? ['--sql-stats'] : []), ...(variant === 'metrics' ? ['--metrics'] : [])],
      env: { RINGLET_LOG_LEVEL: process.env.RINGLET_LOG_LEVEL ?? 'warn' },
    });
    children.push(server);
    res.url = (server.readyData as { url: string }).url;
    const loaders: Child[] = [];
    for (let i = 0; i < opts.loaders; i++) {
      const l = await spawnChild(`${kind}-loader${i}`, 'load-child.ts', { nodeFlags: ['--expose-gc', '--max-old-space-size=8192'] });
      children.push(l);
      await l.request('setup', { url: res.url, kind });
      loaders.push(l);
    }
    return { kind, server, loaders, opts, log };
  } catch (err) {
    res.errors.start = err instanceof Error ? err.message : String(err);
    log(`[${kind}] FAILED to start: ${res.errors.start}`);
    return null;
  }
}

/**
 * What GET /metrics costs: the CPU phase again, on a fresh Ringlet server with its
 * Prometheus listener on, scraped once a second from here as Prometheus would. Compared
 * with the plain Ringlet server's CPU phase of the same run (buildRows).
 */
async function metricsCostPhase(opts: BenchOptions): Promise<TargetResult> {
  const res: TargetResult = { kind: 'ringlet', errors: {} };
  const t = await startTarget('ringlet', opts, res, 'metrics');
  if (!t) return res;
  const url = (t.server.readyData as { metricsUrl?: string | null }).metricsUrl;
  let scrapes = 0;
  const scraper = setInterval(() => {
    if (url) void fetch(url).then((r) => r.text()).then(() => { scrapes++; }, () => undefined);
  }, 1000);
  try {
    await phase(res, 'cpu', () => cpuPhase(t, undefined));
  } finally {
    clearInterval(scraper);
  }
  if (!url) res.errors.metrics = 'the server did not report a metrics URL';
  log(`[ringlet+metrics] ${scrapes} scrapes of ${url ?? 'no URL'} during the CPU phase`);
  return res;
}

/**
 * Pages per commit, exactly: a lone invite's and accept's commit read back from the WAL
 * (pages.ts), on an in-process server of its own after the CPU phase.
 */
async function pagesPhase(res: TargetResult, opts: BenchOptions): Promise<void> {
  log('[ringlet] pages per commit ...');
  try {
    const p = await measurePages(opts.quick ? 50 : 200, opts.quick ? 300 : 2000);
    res.pages = p;
    const top = (k: 'invite' | 'accept') => p[k].byTree.slice(0, 6).map((r) => `${r.tree} ${r.pages}`).join(', ');
    log(`[ringlet] ${p.pagesPerCommit} WAL pages per commit; per invite ${p.invite.pages} pages in ${p.invite.commits} commits (${top('invite')}), per accept ${p.accept.pages} in ${p.accept.commits} (${top('accept')}); WAL ${p.walBytesPerPair} B/pair`);
  } catch (err) {
    res.errors.pages = err instanceof Error ? err.message : String(err);
    log(`[ringlet] pages FAILED: ${res.errors.pages}`);
  }
}

/** Run one phase for one target, recording its result or its error. */
async function phase<K extends PhaseName>(res: TargetResult, name: K, fn: () => Promise<NonNullable<TargetResult[K]>>): Promise<void> {
  const t0 = Date.now();
  log(`[${res.kind}] ${name} ...`);
  try {
    res[name] = await fn();
    log(`[${res.kind}] ${name} done in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${brief(name, res)}`);
  } catch (err) {
    res.errors[name] = err instanceof Error ? err.message : String(err);
    log(`[${res.kind}] ${name} FAILED: ${res.errors[name]}`);
  }
}

/** Print what --sql-stats and --profile found during the CPU phase. */
function printDiagnostics(res: TargetResult, prof: string | undefined): void {
  const sql = res.cpu?.sql;
  if (sql) {
    const n = Math.max(1, res.cpu!.invites);
    const types = Object.entries(sql.framesByType).map(([k, v]) => `${k} ${(v / n).toFixed(1)}`).join(', ');
    log(`[${res.kind}] during the CPU phase, per invite+accept: ${(sql.framesOut / n).toFixed(1)} frames sent (${(sql.bytesOut / n).toFixed(0)} bytes; ${types}), ${(sql.commits / n).toFixed(1)} commits; top SQL by time:`);
    for (const st of sql.statements.slice(0, 12)) {
      log(`  ${st.totalMs.toFixed(0).padStart(6)} ms ${String(st.calls).padStart(7)} calls (${(st.calls / n).toFixed(1)}/invite)  ${st.sql.slice(0, 110)}`);
    }
  }
  if (prof && existsSync(prof)) {
    res.profile = summarizeProfile(prof, 20);
    log(`[${res.kind}] top self time during the CPU phase (${path.relative(repoRoot, prof)}):`);
    for (const r of res.profile) log(`  ${String(r.selfPct).padStart(5)}%  ${r.fn}  ${r.where}`);
    log(`[${res.kind}] the same self time by area:`);
    for (const r of summarizeByArea(prof)) log(`  ${String(r.selfPct).padStart(5)}%  ${r.area}`);
  }
}

/** Wait until the machine is nearly idle (others' builds and tests skew every number), at most `maxMs`. */
async function waitForQuiet(maxMs: number): Promise<number> {
  const t0 = Date.now();
  let busy = await sampleBusy(1000);
  while (busy > 25 && Date.now() - t0 < maxMs) {
    log(`machine busy (${busy.toFixed(0)}% of one core used by other processes), waiting for quiet ...`);
    busy = await sampleBusy(2000);
  }
  if (busy > 25) log(`WARNING: starting on a busy machine (${busy.toFixed(0)}% of one core in use by others): numbers will be low and noisy`);
  return busy;
}

function brief(name: PhaseName, r: TargetResult): string {
  if (name === 'memory' && r.memory) {
    const m = r.memory;
    return `${m.loggedIn}/${m.sessions} sessions (${m.users} users x ${m.devicesPerUser}) in ${m.loginMs} ms; rss +${(m.rssPerSessionB / 1024).toFixed(1)} KB/session, heap +${(m.heapUsedPerSessionB / 1024).toFixed(1)} KB/session`;
  }
  if (name === 'rtt' && r.rtt) return `n=${r.rtt.n} p50 ${r.rtt.p50} ms p99 ${r.rtt.p99} ms errors ${r.rtt.errors} timeouts ${r.rtt.timeouts}`;
  if (name === 'cpu' && r.cpu) {
    const c = r.cpu;
    return `${c.invites} invites at ${c.rate}/s: ${c.usPerInvite} us/invite${c.commitsPerInvite === undefined ? '' : `, ${c.commitsPerInvite} commits/invite`}, server ${c.serverCpuPct}% CPU (others ${c.otherCpuPct}%), ${(c.diskWriteBytesPerInvite / 1024).toFixed(1)} KB written to disk/invite, p99 ${c.p99} ms, missing ${c.missing}, errors ${c.errors}`;
  }
  if (name === 'throughput' && r.throughput) {
    const tp = r.throughput;
    return `sustained ${tp.sustained}/s${tp.capped ? ' (hit --max-rate, no step failed)' : `; first failing step limited by: ${tp.limitedBy}`}`;
  }
  return '';
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2), process.env);
  mkdirSync(resultsDir, { recursive: true });
  const t0 = Date.now();
  const watchdog = setTimeout(() => {
    console.error(`bench: watchdog: still running after ${opts.watchdogMs / 1000} s, aborting`);
    killAllChildren();
    process.exit(2);
  }, opts.watchdogMs);
  watchdog.unref();
  const m = machineInfo();
  log(`Ringlet bench${opts.quick ? ' (quick)' : ''}: ${m.cpus} x ${m.cpuModel}, node ${m.node}, ${m.date}`);
  const busyBefore = await waitForQuiet(opts.waitQuietMs);

  const results: Partial<Record<Kind, TargetResult>> = {};
  let withMetrics: TargetResult | undefined;
  const live: Array<{ t: Target; res: TargetResult }> = [];
  for (const kind of opts.targets) {
    const res: TargetResult = { kind, errors: {} };
    results[kind] = res;
    const t = await startTarget(kind, opts, res);
    if (t) live.push({ t, res });
  }
  const has = (p: PhaseName) => opts.phases.includes(p);
  const prof = (k: Kind) => (opts.profile ? path.join(resultsDir, `${k}-cpu-phase.cpuprofile`) : undefined);
  try {
    if (has('memory')) for (const { t, res } of live) await phase(res, 'memory', () => memoryPhase(t));
    if (has('rtt')) {
      log(`[${live.map((l) => l.t.kind).join('+')}] rtt (interleaved) ...`);
      try {
        const r = await rttInterleaved(live.map((l) => l.t), log);
        for (const { t, res } of live) { res.rtt = r.get(t); log(`[${t.kind}] rtt: ${brief('rtt', res)}`); }
      } catch (err) {
        for (const { res } of live) res.errors.rtt = err instanceof Error ? err.message : String(err);
        log(`rtt FAILED: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    if (has('cpu')) for (const { t, res } of live) await phase(res, 'cpu', () => cpuPhase(t, prof(t.kind)));
    if (has('cpu') && opts.metricsCost && results.ringlet?.cpu) withMetrics = await metricsCostPhase(opts);
    if (has('cpu') && results.ringlet && !results.ringlet.errors.start) await pagesPhase(results.ringlet, opts);
    if (has('throughput')) for (const { t, res } of live) await phase(res, 'throughput', () => throughputPhase(t));
    for (const { t, res } of live) printDiagnostics(res, prof(t.kind));
  } finally {
    await Promise.all(children.reverse().map((c) => c.stop()));
  }

  const rows = buildRows(results, withMetrics);
  const elapsed = Date.now() - t0;
  const busyAfter = await sampleBusy(1000);
  // only a complete default run may replace latest.json; anything narrower is a scratch file
  const complete = !opts.quick && !opts.profile && !opts.sqlStats && opts.targets.length === TARGET_KINDS.length && opts.phases.length === 4
    && live.length === TARGET_KINDS.length; // a target that could not start must not replace the last good latest.json
  const file = writeResults(opts.quick ? 'quick.tmp.json' : complete ? 'latest.json' : 'partial.tmp.json', opts, { ...results, ...(withMetrics ? { 'ringlet+metrics': withMetrics } : {}) }, rows, elapsed,
    { busyBeforePct: Math.round(busyBefore), busyAfterPct: Math.round(busyAfter) });
  log('');
  log(formatTable(rows));
  log('');
  if (has('memory')) log(`memory: ${opts.sessions} sessions = ${opts.sessions / opts.devices} users x ${opts.devices} device(s)`);
  log('ratio = ringlet / relay, then ringlet / Socket.IO');
  log(`wrote ${path.relative(repoRoot, file)} in ${(elapsed / 1000).toFixed(1)} s`);
  const failed = Object.values(results).some((r) => r && Object.keys(r.errors).length > 0);
  process.exitCode = failed ? 1 : 0;
}

process.on('exit', () => killAllChildren());
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => { console.error(`bench: ${sig}, stopping children`); killAllChildren(); process.exit(130); });
}
process.on('uncaughtException', (err) => { console.error('bench:', err); killAllChildren(); process.exit(1); });
main().catch((err) => { console.error('bench:', err); killAllChildren(); process.exit(1); });
