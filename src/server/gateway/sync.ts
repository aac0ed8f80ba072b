/**
 * What a session receives right after login, read from one consistent snapshot:
 * either the exact replay of the events it missed (resume), or, on a fresh start, one
 * NEW_INVITATION_RECEIVED for each invitation still ringing for this user.
 */
import type { GroupsFrame } from '../../protocol/frames.ts';
import { TSignaling } from '../../protocol/signaling.ts';
import { pushFrame, type PushBody } from '../outbox.ts';
import { newInvitationEvent, remainingSeconds } from '../signaling/announce.ts';
import { isPastDeadline, type Invitation } from '../signaling/machine.ts';
import type { StoreTx } from '../store/types.ts';

/** Replays longer than this fall back to a fresh start (history holds the rest). */
export const MAX_REPLAY = 2000;

export interface SyncPlan {
  /** The seq the session is at once `frames` are sent. */
  seq: number;
  resumed: boolean;
  frames: string[];
}

export async function planSync(tx: StoreTx, userID: string, lastSeq: number | undefined, now: number): Promise<SyncPlan> {
  // Group list changes travel as deltas that are never stored: every login starts from the
  // whole list (at most LIMITS.maxGroupsPerUser groups), so one missed while away is not lost.
  const groups = JSON.stringify({ type: 'groups', groupList: await tx.groupsOf(userID) } satisfies GroupsFrame);
  const current = await tx.currentSeq(userID);
  if (lastSeq !== undefined && lastSeq <= current) {
    if (lastSeq === current) return { seq: current, resumed: true, frames: [groups] };
    const events = await tx.eventsAfter(userID, lastSeq, MAX_REPLAY + 1);
    if (events.length > 0 && events.length <= MAX_REPLAY && events[0]!.seq === lastSeq + 1) {
      return { seq: events[events.length - 1]!.seq, resumed: true, frames: [groups, ...(await replay(tx, userID, events, now))] };
    }
  }
  return { seq: current, resumed: false, frames: [groups, ...(await announcePending(tx, userID, now))] };
}

/** Missed events in order; an invitation that rang and ended while away is not re-announced. */
async function replay(tx: StoreTx, userID: string, events: Awaited<ReturnType<StoreTx['eventsAfter']>>, now: number): Promise<string[]> {
  const bodies = events.map((e) => ({ e, body: JSON.parse(e.frame) as PushBody }));
  const invited = new Set(bodies.filter((b) => b.body.signal?.name === TSignaling.NEW_INVITATION_RECEIVED && b.e.inviteID).map((b) => b.e.inviteID!));
  const silenced = new Set<string>();
  for (const id of invited) {
    const inv = await tx.getInvitation(id, false);
    if (!inv || !stillRingingFor(inv, userID, now)) silenced.add(id);
  }
  const frames: string[] = [];
  for (const { e, body } of bodies) {
    if (e.inviteID && silenced.has(e.inviteID)) delete body.signal;
    if (!body.signal && !body.message) continue;
    if (body.signal?.name === TSignaling.NEW_INVITATION_RECEIVED) body.signal.data.remaining = remainingSeconds(e.deadline, now);
    frames.push(pushFrame(e.seq, JSON.stringify(body)));
  }
  return frames;
}

async function announcePending(tx: StoreTx, userID: string, now: number): Promise<string[]> {
  const open = await tx.openInvitationsOf(userID);
  return open
    .filter((inv) => inv.inviter !== userID && !inv.onlineUserOnly && stillRingingFor(inv, userID, now))
    .map((inv) => pushFrame(null, JSON.stringify({ signal: newInvitationEvent(inv, now) })));
}

/** Open, before its deadline, and (for an invitee) this user's part still pending. */
function stillRingingFor(inv: Invitation, userID: string, now: number): boolean {
  if (inv.endReason !== null || isPastDeadline(inv, now)) return false;
  const part = inv.parts[userID];
  return part === undefined || part === 'pending';
}
