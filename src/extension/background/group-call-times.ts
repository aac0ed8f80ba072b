/**
 * How long I was in each group call. A group hang-up sends nothing (the call goes on for
 * the others), so history cannot say; the worker keeps my own time per call, bounded to
 * the newest MAX_KEPT calls, in the vault (trusted contexts only; kept across restarts).
 */
import { z } from 'zod/mini';
import { vaultGet, vaultSet } from './vault.ts';

const KEY = 'groupCallTimes';
/** Calls remembered; older ones lose their duration in the log. */
export const MAX_KEPT = 200;

const Times = z.array(z.tuple([z.string(), z.number()]));

export async function loadGroupCallTimes(): Promise<Map<string, number>> {
  const parsed = Times.safeParse(await vaultGet(KEY, { durable: true }));
  return new Map(parsed.success ? parsed.data : []);
}

/** Remembers my time in a group call (seconds), dropping the oldest past MAX_KEPT. */
export async function saveGroupCallTime(inviteID: string, seconds: number): Promise<void> {
  const times = await loadGroupCallTimes();
  times.delete(inviteID);
  times.set(inviteID, seconds);
  await vaultSet(KEY, [...times].slice(-MAX_KEPT), { durable: true });
}
