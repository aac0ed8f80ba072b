/**
 * What a session receives right after login: either the exact replay of the events it
 * missed (resume), or, on a fresh start, one NEW_INVITATION_RECEIVED for each invitation
 * still ringing for this user (bounded by the pending-invitation caps), newest first.
 * The plan is decided on one snapshot; the replay is then read and sent in pages (the
 * log is append-only and the plan fixes its last seq, so pages read later are exact).
 */
import { encodeFrame, serverFrame } from '../../protocol/codec.ts';
import type { PushBody } from '../../protocol/frames.ts';
import { TSignaling } from '../../protocol/signaling.ts';
import { newInvitationEvent, remainingSeconds } from '../signaling/announce.ts';
import { isPastDeadline, type Invitation } from '../signaling/machine.ts';
import type { LoginSnapshot } from '../store/login-reads.ts';
import type { StoredEvent, StoreTx } from '../store/types.ts';

/** Replays longer than this fall back to a fresh start (history holds the rest). */
export const MAX_REPLAY = 2000;

export interface SyncPlan {
  /** The seq the session is at once the catch-up is sent. */
  seq: number;
  resumed: boolean;
  /** The whole group list (a `groups` frame), sent first on every login. */
  groups: string;
  /** Resume: replay the events after this seq up to `seq`. */
  from: number;
  /** Fresh start: the invitations still ringing, newest first. */
  announce: string[];
}

/** The plan for what a login's snapshot (store/login-reads.ts) holds. */
export function planSync(snap: LoginSnapshot, userID: string, lastSeq: number | undefined, now: number): SyncPlan {
  // Group list changes travel as deltas that are never stored: every login starts from the
  // whole list (at most LIMITS.maxGroupsPerUser groups), so one missed while away is not lost.
  const groups = serverFrame.groups(snap.groups);
  const { seq } = snap;
  if (snap.resumable && lastSeq !== undefined) return { seq, resumed: true, groups, from: lastSeq, announce: [] };
  return { seq, resumed: false, groups, from: seq, announce: announcePending(snap.open, userID, now) };
}

/**
 * Reads a resume's missed events page by page, in order. An invitation that rang and
 * ended while away is not re-announced: none of its signals are replayed (its history
 * messages are).
 */
export class Replay {
  readonly #userID: string;
  readonly #to: number;
  #after: number;
  readonly #checked = new Set<string>();
  readonly #silenced = new Set<string>();

  constructor(userID: string, plan: SyncPlan) {
    this.#userID = userID;
    this.#after = plan.from;
    this.#to = plan.seq;
  }

  get done(): boolean {
    return this.#after >= this.#to;
  }

  /** The next page of push frames (possibly empty when every event of the page was silenced). */
  async page(tx: StoreTx, limit: number, now: number): Promise<string[]> {
    const events = (await tx.eventsAfter(this.#userID, this.#after, limit)).filter((e) => e.seq <= this.#to);
    if (events.length === 0) {
      this.#after = this.#to; // pruned meanwhile: nothing more to read
      return [];
    }
    this.#after = events[events.length - 1]!.seq;
    return this.#frames(tx, events, now);
  }

  async #frames(tx: StoreTx, events: StoredEvent[], now: number): Promise<string[]> {
    const bodies = events.map((e) => ({ e, body: JSON.parse(e.frame) as PushBody }));
    for (const { e, body } of bodies) {
      const id = e.inviteID;
      if (!id || body.signal?.name !== TSignaling.NEW_INVITATION_RECEIVED || this.#checked.has(id)) continue;
      this.#checked.add(id);
      const inv = await tx.getInvitation(id, false);
      if (!inv || !stillRingingFor(inv, this.#userID, now)) this.#silenced.add(id);
    }
    const frames: string[] = [];
    for (const { e, body } of bodies) {
      // A change to an answered call's data (hold) still matters to a call that went on meanwhile.
      if (e.inviteID && this.#silenced.has(e.inviteID) && body.signal?.name !== TSignaling.INVITATION_MODIFIED) delete body.signal;
      if (!body.signal && !body.message) continue;
      if (body.signal?.name === TSignaling.NEW_INVITATION_RECEIVED) body.signal.data.remaining = remainingSeconds(e.deadline, now);
      frames.push(serverFrame.push(e.seq, JSON.stringify(body)));
    }
    return frames;
  }
}

function announcePending(open: readonly Invitation[], userID: string, now: number): string[] {
  return open
    .filter((inv) => inv.inviter !== userID && !inv.onlineUserOnly && stillRingingFor(inv, userID, now))
    .reverse()
    .map((inv) => encodeFrame({ type: 'push', seq: null, signal: newInvitationEvent(inv, now) }));
}

/** Open, before its deadline, and (for an invitee) this user's part still pending. */
function stillRingingFor(inv: Invitation, userID: string, now: number): boolean {
  if (inv.endReason !== null || isPastDeadline(inv, now)) return false;
  const part = inv.parts[userID];
  return part === undefined || part === 'pending';
}
