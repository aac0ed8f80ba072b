/**
 * A load-generator process: holds client sessions and runs load patterns on
 * command from bench/run.ts, so client work never runs in the server's process.
 *
 * Commands: setup {url, kind}; login {group, users:[{id,sig,key?}], concurrency}
 * (key: the session's name in the group, for several devices of one user);
 * rtt {group, a, b, count, warm, gapMs, deadlineMs}; openLoop {group, pairs:[[a,b]], ...};
 * drop {group}; cpu; mem; exit.
 */
import { performance } from 'node:perf_hooks';
import { relayDriver, sdkDriver, socketioDriver, type Driver, type Session } from './clients.ts';
import type { TargetKind } from './options.ts';
import { emit, processStatsHandlers, serve } from './ipc.ts';
import { openLoop, roundTrips, type OpenLoopOptions } from './load-gen.ts';

let driver: Driver | null = null;
const groups = new Map<string, Map<string, Session>>();

function need(): Driver {
  if (!driver) throw new Error('load child: setup first');
  return driver;
}

function session(group: string, id: string): Session {
  const s = groups.get(group)?.get(id);
  if (!s) throw new Error(`load child: no session '${id}' in group '${group}'`);
  return s;
}

/** Log users in with at most `concurrency` logins in flight. */
async function loginMany(group: string, users: Array<{ id: string; sig: string; key?: string }>, concurrency: number, deadlineMs: number) {
  const d = need();
  const map = groups.get(group) ?? new Map<string, Session>();
  groups.set(group, map);
  const t0 = performance.now();
  let next = 0;
  let failures = 0;
  let firstError: string | undefined;
  const worker = async () => {
    while (next < users.length && performance.now() - t0 < deadlineMs) {
      const u = users[next++]!;
      try {
        map.set(u.key ?? u.id, await d.login(u.id, u.sig));
      } catch (e) {
        failures++;
        firstError ??= String((e as Error)?.message ?? e);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, users.length) }, worker));
  return { ok: map.size, failures, firstError, ms: performance.now() - t0 };
}

serve({
  ...processStatsHandlers(),
  setup: async (a: { url: string; kind: TargetKind }) => {
    driver = a.kind === 'relay' ? relayDriver(a.url) : a.kind === 'socketio' ? socketioDriver(a.url) : await sdkDriver(a.url);
    return true;
  },
  login: (a: { group: string; users: Array<{ id: string; sig: string; key?: string }>; concurrency?: number; deadlineMs?: number }) =>
    loginMany(a.group, a.users, a.concurrency ?? 50, a.deadlineMs ?? 120_000),
  rtt: (a: { group: string; a: string; b: string; count: number; warm: number; gapMs: number; deadlineMs: number }) =>
    roundTrips(session(a.group, a.a), session(a.group, a.b), a.count, a.warm, a.gapMs, a.deadlineMs),
  openLoop: async (a: { group: string; pairs: Array<[string, string]> } & OpenLoopOptions) => {
    const before = { ...need().stats };
    const r = await openLoop(a.pairs.map(([x, y]) => [session(a.group, x), session(a.group, y)] as [Session, Session]), a);
    const after = need().stats;
    return { ...r, netChanges: after.netChanges - before.netChanges, kicked: after.kicked - before.kicked };
  },
  drop: async (a: { group: string }) => {
    const map = groups.get(a.group);
    if (!map) return 0;
    groups.delete(a.group);
    const all = [...map.values()];
    // close in slices so 10,000 closes do not all hit the server in one tick
    for (let i = 0; i < all.length; i += 500) {
      await Promise.allSettled(all.slice(i, i + 500).map((s) => Promise.race([s.close(), new Promise((r) => setTimeout(r, 5_000))])));
    }
    return all.length;
  },
  exit: () => { setImmediate(() => process.exit(0)); return true; },
});
emit('ready', { pid: process.pid });
