/**
 * The acceptance (issue 8 item 5), as a bounded test: while one hostile account
 * runs the worst of the known attacks for 10 s, the database grows by less than 50 MB,
 * the server's RSS by less than 100 MB, every request is answered and the victim's calls
 * keep completing. The victim's invite→accept p99 with and without the attack is printed
 * (the 50 ms bound on it is a speed figure, not a test assertion; the test asserts
 * what bounds it instead: the flood's handshakes per the connection rate, its writes per
 * the budgets, and that the victim is never refused). The server runs in its own process
 * on a real SQLite file with its default budgets, so its RSS is its own; the attacker runs
 * in another (fixtures/hostile-attacker.ts), so its client-side work does not share the
 * victim's event loop, as on a real network. `HN_BASE=1` leaves the createGroup flood out
 * (the mix before issue 17), for comparison. `HN_PROF=<dir>` writes the server's CPU
 * profile there (node --cpu-prof); `HN_REPORT=<file>` writes the printed report there as
 * JSON (bench/hostile.ts runs this file several times and compares quiet with loud).
 *
 * The attacks: max-size messages to a 1,000-member group from three sockets; 8 KiB
 * invitations with timeout 0 at the victim and at group members; group invitations to
 * 100 members; sockets that never read while asking for the pending list; reading
 * sockets looping getPendingInvitations; unauthenticated sockets opened as fast as possible;
 * and from a second account, createGroup with 999 unknown user IDs per request (issue 17,
 * attack 8: before the cost model it moved the victim's p99 from 12.6 to 199 ms).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserSigs } from '../../src/server/auth/usersig.ts';
import { DEFAULT_LIMITS } from '../../src/server/limits/config.ts';
import { SqlStore } from '../../src/server/store/sql-store.ts';
import { SqliteDriver } from '../../src/server/store/sqlite/driver.ts';
import { TSignaling } from '../../src/sdk/index.ts';
import { testBackend } from '../support/backends.ts';
import { freePort } from '../../src/server/sfu/free-ports.ts';
import { launchServerProcess, stopServerProcess } from '../support/server-process.ts';
import { connectClient, type Client } from './harness.ts';

const MEMBERS = 1000;
const ATTACK_MS = 10_000;
const MB = 1024 * 1024;

// One backend is enough for a bound on harm: the SQLite file is the default deployment,
// and the server runs in a child process on it (its size and RSS are the measure).
const sqliteOnly = testBackend() === 'sqlite' ? describe : describe.skip;
if (testBackend() !== 'sqlite') console.log('hostile-neighbour: skipped on PostgreSQL (runs once, on the SQLite project: it measures the SQLite file and the server process)');

sqliteOnly('a hostile neighbour (10 s of the worst known attacks from one account)', () => {
  let dir: string;
  let db: string;
  let child: ChildProcess;
  let url: string;
  const secret = randomBytes(24).toString('hex');
  const sigs = new UserSigs(secret);
  const sig = (u: string) => sigs.sign(u, 3600);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ringlet-hostile-'));
    db = join(dir, 'ringlet.sqlite');
    // The big group and its members exist before the server starts.
    const store = await SqlStore.open(new SqliteDriver(db));
    const members = Array.from({ length: MEMBERS }, (_, i) => (i === 0 ? 'hostile' : `m${i}`));
    await store.write(async (tx) => {
      for (const u of [...members, 'hostile2', 'caller', 'callee', 'late']) await tx.ensureUser(u, Date.now());
      await tx.insertGroup({ groupID: 'big', name: 'big', type: 'Public', ownerID: 'hostile' }, Date.now());
      await tx.addMembers('big', members.map((userID) => ({ userID, role: userID === 'hostile' ? 'Owner' : 'Member' })), Date.now());
    });
    await store.close();
    const port = await freePort();
    child = await launchServerProcess({ port, storage: db, env: { RINGLET_SECRET: secret }, nodeArgs: process.env.HN_PROF ? ['--cpu-prof', '--cpu-prof-dir=' + process.env.HN_PROF] : [] });
    url = `ws://127.0.0.1:${port}`;
  }, 60_000);

  afterAll(async () => {
    await stopServerProcess(child);
    rmSync(dir, { recursive: true, force: true });
  });

  it('grows the database by < 50 MB and RSS by < 100 MB, answers everything, bounds the flood\'s handshakes and never refuses the victim', async () => {
    const caller = await connectClient(url, 'caller', await sig('caller'));
    const callee = await connectClient(url, 'callee', await sig('callee'));
    callee.chat.addSignalingListener(TSignaling.NEW_INVITATION_RECEIVED, (e: any) => {
      if (e.data.inviter === 'caller') void callee.chat.accept({ inviteID: e.data.inviteID });
    });

    await roundTrips(caller, 1500); // warm-up
    const quiet = await roundTrips(caller, ATTACK_MS);
    const rss0 = rssOf(child.pid!);
    const db0 = size(db);

    let rssPeak = rss0;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssOf(child.pid!))), 200);
    const sigs = [await sig('hostile'), await sig('hostile2')] as const;
    // From before the attacker is spawned: its floods start as each of its sockets logs in,
    // before it says `ready` (and before this loaded process reads that), so the bounds below
    // (burst + rate × time) count all of their time.
    const attackStart = performance.now();
    const attacker = await startAttacker(url, ...sigs);
    // While the flood runs: the victim's calls, and new logins of another user from another address.
    const [loud, lateLogins] = await Promise.all([roundTrips(caller, ATTACK_MS), loginsFrom('127.0.0.2', url, 'late', await sig('late'), ATTACK_MS)]);
    const stats = await attacker.stop();
    const attackSeconds = (performance.now() - attackStart) / 1000;
    clearInterval(sampler);
    const rss1 = Math.max(rssPeak, rssOf(child.pid!));

    await caller.chat.destroy();
    await callee.chat.destroy();
    await stopServerProcess(child);
    const db1 = size(db);

    const report = {
      quiet: summary(quiet), loud: summary(loud), lateLogins,
      dbGrowthMB: (db1 - db0) / MB, rssGrowthMB: (rss1 - rss0) / MB, attackSeconds, attack: stats,
    };
    console.log(`hostile neighbour: ${JSON.stringify(report)}`);
    if (process.env.HN_REPORT) writeFileSync(process.env.HN_REPORT, JSON.stringify(report));
    // The attack really ran and was answered with its limits, never silently dropped.
    expect(stats.limited.message_rate + stats.limited.stored_bytes).toBeGreaterThan(0);
    // The createGroup flood was charged per entry: a few 8002s within the request_cost bucket, the rest refused.
    const cost = DEFAULT_LIMITS.requestCost;
    expect(stats.limited.request_cost).toBeGreaterThan(0);
    expect(stats.unknownUsers * 1000).toBeLessThanOrEqual(cost.burst + cost.perSecond * attackSeconds);
    expect(stats.unanswered).toBe(0);
    const refused = Object.entries(stats.upgrades).filter(([k]) => k !== 'error');
    expect(refused.length).toBeGreaterThan(0);
    for (const [k] of refused) expect(['429 connection_rate', '429 unauthenticated_sockets']).toContain(k);
    // The flood's costly work is bounded whatever the machine's speed: WebSocket handshakes
    // of its address by the per-address connection rate (burst + rate × time; every attempt
    // takes a token before any other check), the disk and the memory by the per-user budgets.
    const { burst, perSecond } = DEFAULT_LIMITS.connectionRatePerIP;
    const admitted = burst + perSecond * attackSeconds;
    const rateRefused = stats.upgrades['429 connection_rate'] ?? 0;
    const attempts = stats.opened + refused.reduce((n, [, count]) => n + count, 0);
    expect(attempts - rateRefused).toBeLessThanOrEqual(admitted);
    // Every attempt past what the rate admits was refused by it. (Whether the flood gets that
    // far is the attacker's speed: on a loaded machine its 10 s ran 55 s and stayed under.)
    expect(rateRefused).toBeGreaterThanOrEqual(attempts - admitted);
    expect(db1 - db0).toBeLessThan(50 * MB);
    expect(rss1 - rss0).toBeLessThan(100 * MB);
    // The victim is never refused: every round trip of the victim completed (roundTrips
    // throws on a refusal), and every login of another user from another address during
    // the flood got in.
    expect(loud.length).toBeGreaterThan(0);
    expect(lateLogins.refused).toEqual([]);
    expect(lateLogins.ok).toBeGreaterThan(0);
    // The bound, p99 moved by < 50 ms, is a speed figure: printed above (quiet vs
    // loud, same run), never asserted — tests do not depend on the machine's speed, and on
    // 2 cores shared with other work the quiet p99 alone varies by more than 50 ms between runs.
  }, 300_000); // a hang guard: loaded (2 cores, other work), its 10 s attack phase ran 55 s
});

/** Sequential invite→accept round trips for `ms`; their durations. */
async function roundTrips(caller: Client, ms: number): Promise<number[]> {
  const out: number[] = [];
  const stopAt = performance.now() + ms;
  while (performance.now() < stopAt) {
    const t0 = performance.now();
    const res = await caller.chat.invite({ userID: 'callee', timeout: 30 });
    await caller.waitFor((e) => e.name === TSignaling.INVITEE_ACCEPTED && e.data.inviteID === res.inviteID, 20_000);
    out.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 20));
  }
  return out;
}

function summary(xs: number[]): { n: number; p50: number; p99: number } {
  const sorted = [...xs].sort((a, b) => a - b);
  const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]! * 10) / 10;
  return { n: xs.length, p50: at(0.5), p99: at(0.99) };
}

/** A login (socket, login frame, catch-up) from `localAddress` every 500 ms for `ms`; which ones got in. */
async function loginsFrom(localAddress: string, url: string, userID: string, userSig: string, ms: number): Promise<{ ok: number; refused: string[] }> {
  const out = { ok: 0, refused: [] as string[] };
  const stopAt = performance.now() + ms;
  for (let i = 0; performance.now() < stopAt; i++) {
    const ws = new WebSocket(url, { localAddress });
    const result = await new Promise<string>((resolve) => {
      ws.once('unexpected-response', (_req, res) => resolve(`HTTP ${res.statusCode}`));
      ws.once('error', (err) => resolve(String(err)));
      ws.once('open', () => ws.send(JSON.stringify({ type: 'login', id: 'l', userID, userSig })));
      ws.on('message', (m: Buffer) => {
        if (m.includes('"type":"synced"')) resolve('ok');
        else if (m.includes('"type":"res"') && !m.includes('"code":0')) resolve(m.toString().slice(0, 200));
      });
      ws.once('close', (code) => resolve(`closed ${code}`));
    });
    ws.terminate();
    if (result === 'ok') out.ok++;
    else out.refused.push(result);
    await new Promise((r) => setTimeout(r, 500));
  }
  return out;
}

interface AttackStats {
  sent: number;
  unanswered: number;
  opened: number;
  upgrades: Record<string, number>;
  limited: { message_rate: number; stored_bytes: number; request_cost: number } & Record<string, number>;
  /** 8002 answers to the createGroup flood. */
  unknownUsers: number;
}

/** The hostile account in its own process (fixtures/hostile-attacker.ts), once its sockets have logged in. */
async function startAttacker(url: string, hostileSig: string, createGroupSig: string): Promise<{ stop(): Promise<AttackStats> }> {
  const script = fileURLToPath(new URL('./fixtures/hostile-attacker.ts', import.meta.url));
  const proc = spawn(process.execPath, ['--import', 'tsx', script, url, hostileSig, String(MEMBERS), process.env.HN_BASE ? '' : createGroupSig], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  const lineMatching = (re: RegExp) => new Promise<RegExpExecArray>((resolve, reject) => {
    const check = () => {
      const m = re.exec(out);
      if (m) resolve(m);
    };
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      check();
    });
    proc.once('exit', (code) => reject(new Error(`attacker exited with ${code}: ${out}`)));
    check();
  });
  await lineMatching(/^ready$/m);
  return {
    async stop() {
      const stats = lineMatching(/^stats (.*)$/m);
      proc.stdin!.write('stop\n');
      return JSON.parse((await stats)[1]!) as AttackStats;
    },
  };
}

function rssOf(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb ?? 0) * 1024;
}

function size(p: string): number {
  try {
    return statSync(p).size;
  } catch {
    return 0;
  }
}

