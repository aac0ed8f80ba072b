/**
 * The load patterns, written once against `Session` (clients.ts) so Ringlet and the
 * relay are driven by the same code.
 *  - roundTrips: one pair, strictly sequential invite → accept → INVITEE_ACCEPTED.
 *  - openLoop: invites sent on a fixed schedule whatever the replies do (no
 *    coordinated omission: latency is measured from the *scheduled* send time).
 */
import { performance } from 'node:perf_hooks';
import type { Session } from './clients.ts';
import { cpuDelta, percentile } from './stats.ts';

const now = () => performance.now();

/** Wire a pair: the invitee accepts every invitation, echoing its tag. */
function autoAccept(b: Session, onError: (e: unknown) => void): void {
  b.onInvite = (inv) => { b.accept(inv).catch(onError); };
}

export interface RoundTripResult { samples: number[]; errors: number; timeouts: number; firstError?: string }

/**
 * `warm` unrecorded then `count` recorded sequential round trips, `gapMs` apart (start to
 * start, so one session stays under a per-session frame-rate limit); bounded by `deadlineMs`.
 */
export async function roundTrips(a: Session, b: Session, count: number, warm: number, gapMs: number, deadlineMs: number): Promise<RoundTripResult> {
  const res: RoundTripResult = { samples: [], errors: 0, timeouts: 0 };
  const onError = (e: unknown) => { res.errors++; res.firstError ??= String((e as Error)?.message ?? e); };
  autoAccept(b, onError);
  let expect = '';
  let done: (() => void) | null = null;
  a.onAccepted = (data) => { if (data === expect) done?.(); };
  const stopAt = now() + deadlineMs;
  for (let i = 0; i < warm + count && now() < stopAt; i++) {
    expect = `rt:${i}`;
    const t0 = now();
    const ok = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 5_000);
      done = () => { clearTimeout(timer); resolve(true); };
      a.invite(b.userID, expect).catch((e) => { onError(e); clearTimeout(timer); resolve(false); });
    });
    done = null;
    const took = now() - t0;
    if (!ok) { res.timeouts++; continue; }
    if (i >= warm) res.samples.push(took);
    if (gapMs > took) await new Promise((r) => setTimeout(r, gapMs - took));
  }
  a.onAccepted = null;
  b.onInvite = null;
  return res;
}

export interface OpenLoopOptions {
  rate: number; // invite+accept pairs per second offered by this process
  durationMs: number; // total sending time
  warmMs: number; // first part of the sending time, not measured
  drainMs: number; // how long after the last send to wait for stragglers
  tag: string;
}

export interface OpenLoopResult {
  offered: number; // rate asked for
  sent: number; // invites sent in total
  windowSec: number;
  completedInWindow: number; // INVITEE_ACCEPTED received inside the measurement window
  latencies: number[]; // ms, for completed invites scheduled inside the window
  missing: number; // invites scheduled in the window that never completed
  errors: number;
  firstError?: string;
  maxSendLagMs: number; // how late the generator itself sent (client saturation or stalls)
  sendLagP99Ms: number; // p99 of that lateness over the window's sends
  clientCpuPct: number; // this process's CPU over the run, % of one core
  netChanges?: number; // connection drops/reconnects during the run (filled in by load-child)
  kicked?: number;
}

/** Open-loop load over `pairs`, round-robin: pair i%P's inviter invites its invitee. */
export async function openLoop(pairs: Array<[Session, Session]>, o: OpenLoopOptions): Promise<OpenLoopResult> {
  const res: OpenLoopResult = {
    offered: o.rate, sent: 0, windowSec: (o.durationMs - o.warmMs) / 1000, completedInWindow: 0,
    latencies: [], missing: 0, errors: 0, maxSendLagMs: 0, sendLagP99Ms: 0, clientCpuPct: 0,
  };
  const onError = (e: unknown) => { res.errors++; res.firstError ??= String((e as Error)?.message ?? e); };
  const total = Math.max(1, Math.floor((o.rate * o.durationMs) / 1000));
  const interval = 1000 / o.rate;
  const scheduled = new Float64Array(total);
  const latency = new Float64Array(total).fill(Infinity);
  const lag = new Float64Array(total);
  let completed = 0;
  const start = now() + 20;
  const winStart = start + o.warmMs;
  const winEnd = start + o.durationMs;
  const prefix = `${o.tag}:`;
  let allDone: (() => void) | null = null;

  for (const [a, b] of pairs) {
    autoAccept(b, onError);
    a.onAccepted = (data) => {
      if (!data.startsWith(prefix)) return;
      const i = Number(data.slice(prefix.length));
      if (!(i >= 0 && i < total) || latency[i] !== Infinity) return;
      const t = now();
      latency[i] = t - (scheduled[i] as number);
      if (t >= winStart && t < winEnd) res.completedInWindow++;
      if (++completed === total) allDone?.();
    };
  }

  const cpu0 = process.cpuUsage();
  const t0 = now();
  await new Promise<void>((resolve) => {
    let i = 0;
    const tick = () => {
      const t = now();
      while (i < total && start + i * interval <= t) {
        const at = start + i * interval;
        scheduled[i] = at;
        lag[i] = t - at;
        if (t - at > res.maxSendLagMs) res.maxSendLagMs = t - at;
        const [a, b] = pairs[i % pairs.length] as [Session, Session];
        a.invite(b.userID, prefix + i).catch(onError);
        i++;
      }
      res.sent = i;
      if (i >= total) return resolve();
      // sleep until the next send is due; timers are ~1 ms grained, so at high rates
      // each tick sends the few invites that fell due meanwhile (no busy-wait, which
      // would burn the core the client shares with the server)
      const wait = start + i * interval - now();
      setTimeout(tick, Math.max(1, Math.min(wait, 50)));
    };
    tick();
  });
  if (completed < total) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, o.drainMs);
      allDone = () => { clearTimeout(timer); resolve(); };
    });
  }
  const elapsed = now() - t0;
  res.clientCpuPct = (cpuDelta(cpu0, process.cpuUsage()) / 1000 / elapsed) * 100;

  const lags: number[] = [];
  for (let i = 0; i < total; i++) {
    const at = scheduled[i] as number;
    if (at < winStart || at >= winEnd) continue;
    lags.push(lag[i] as number);
    const l = latency[i] as number;
    if (l === Infinity) res.missing++;
    else res.latencies.push(Math.round(l * 100) / 100);
  }
  res.sendLagP99Ms = Math.round(percentile(lags.sort((x, y) => x - y), 99) * 100) / 100;
  for (const [a, b] of pairs) { a.onAccepted = null; b.onInvite = null; }
  return res;
}
