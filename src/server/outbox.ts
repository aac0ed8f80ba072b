/**
 * The outbox of one transaction: frames for users, written to their event logs inside
 * the transaction (so a reconnecting client can replay them exactly) and published on
 * the bus only after the commit.
 */
import { serverFrame } from '../protocol/codec.ts';
import type { GroupChange, PushBody } from '../protocol/frames.ts';
import type { Group, GroupInvitation } from '../protocol/im.ts';
import type { Delivery } from './hub/types.ts';
import type { CallStep } from './model/call-step.ts';
import type { Departure } from './model/departure.ts';
import type { StoreTx } from './store/types.ts';

export interface PushOptions {
  /** False for online-only events: never logged, never replayed, no seq. */
  stored: boolean;
  exceptSession?: string;
  /** Set on invitation events so a replay can filter and recompute `remaining`. */
  inviteID?: string;
  deadline?: number | null;
  /** Users with equal keys get equal views (see push). */
  viewKey?: (userID: string) => string;
}

export class Outbox {
  readonly deliveries: Delivery[] = [];
  /** Steps of calls this transaction made, reported once it has committed. */
  readonly calls: CallStep[] = [];
  /**
   * Members who left a group (null: it was dismissed), whose access to its calls' SFU rooms
   * ends once this transaction has committed (dispatch.ts hands them to the SFU).
   */
  readonly departures: Departure[] = [];
  readonly #tx: StoreTx;
  readonly #now: number;
  /** Seqs still to come (see settle), and the deliveries they turned out to have none for. */
  readonly #late: Promise<void>[] = [];
  readonly #unknown = new Set<Delivery>();

  constructor(tx: StoreTx, now: number) {
    this.#tx = tx;
    this.#now = now;
  }

  /**
   * Queues one push per user; `body(userID)` builds that user's view (or null to skip).
   * With `viewKey`, users with the same key see the same view: it is built, serialized
   * and stored once for all of them (a group message to 1,000 members is one text).
   */
  async push(userIDs: readonly string[], body: (userID: string) => PushBody | null, opts: PushOptions): Promise<void> {
    const texts = new Map<string, string>();
    const byKey = new Map<string, string | null>();
    for (const u of new Set(userIDs)) {
      const key = opts.viewKey?.(u);
      let text = key === undefined ? undefined : byKey.get(key);
      if (text === undefined) {
        const b = body(u);
        text = b && (b.signal || b.message) ? JSON.stringify(b) : null;
        if (key !== undefined) byKey.set(key, text);
      }
      if (text !== null) texts.set(u, text);
    }
    if (texts.size === 0) return;
    const seqs = opts.stored
      ? await this.#tx.appendEvents([...texts].map(([userID, frame]) => ({ userID, inviteID: opts.inviteID ?? null, deadline: opts.deadline ?? null, frame })), this.#now)
      : null;
    if (seqs !== null && !(seqs instanceof Map)) {
      // Seqs known after the commit: the deliveries keep their place and get them in settle().
      const placed: Delivery[] = [];
      for (const [userID, stored] of texts) placed.push(lazyDelivery(userID, null, stored, opts.exceptSession));
      this.deliveries.push(...placed);
      const late = seqs.later.then((known) => {
        for (const d of placed) {
          d.seq = known.get(d.userID) ?? null;
          if (d.seq === null) this.#unknown.add(d); // unknown user: nobody to deliver to
        }
      });
      // A transaction that failed (and is run again, or reported) never settles this outbox.
      late.catch(() => undefined);
      this.#late.push(late);
      return;
    }
    for (const [userID, stored] of texts) {
      const seq = seqs?.get(userID) ?? null;
      if (opts.stored && seq === null) continue; // unknown user: nobody to deliver to
      this.deliveries.push(lazyDelivery(userID, seq, stored, opts.exceptSession));
    }
  }

  /**
   * Gives the deliveries whose seqs came with the commit their seqs (EventSeqs): called once
   * the transaction has committed, before the deliveries are read.
   */
  async settle(): Promise<void> {
    if (this.#late.length === 0) return;
    await Promise.all(this.#late);
    this.#late.length = 0;
    if (this.#unknown.size === 0) return;
    const kept = this.deliveries.filter((d) => !this.#unknown.has(d));
    this.deliveries.length = 0;
    this.deliveries.push(...kept);
    this.#unknown.clear();
  }

  /**
   * One change to each user's group list (the SDK applies it to the list it holds and emits
   * GROUP_LIST_UPDATED with the whole list): a few hundred bytes per user, never the list.
   */
  groupDelta(userIDs: readonly string[], change: GroupChange, group: Group): void {
    const frame = serverFrame.groupDelta(change, group);
    for (const u of new Set(userIDs)) this.deliveries.push({ userID: u, seq: null, frame });
  }

  /** Tells `userID`'s online sessions that a group invitation awaits their consent (online only). */
  groupInvitation(userID: string, invitation: GroupInvitation): void {
    this.deliveries.push({ userID, seq: null, frame: serverFrame.groupInvitation(invitation) });
  }

  /**
   * Tells `audience` (every member, the departed included) that `userIDs` left the group,
   * so call windows drop them (online only, like groupDelta), and records the departure
   * for the SFU. `dismissed`: the whole group went.
   */
  membersDeparted(audience: readonly string[], groupID: string, userIDs: readonly string[], dismissed = false): void {
    if (userIDs.length === 0) return;
    const frame = serverFrame.groupMembersRemoved(groupID, [...userIDs]);
    for (const u of new Set(audience)) this.deliveries.push({ userID: u, seq: null, frame });
    this.departures.push({ groupID, userIDs: dismissed ? null : [...userIDs] });
  }
}

/** A delivery whose frame text is built only if some session needs it (most recipients are offline). */
function lazyDelivery(userID: string, seq: number | null, stored: string, exceptSession: string | undefined): Delivery {
  let frame: string | null = null;
  const d = {
    userID,
    seq,
    get frame(): string {
      frame ??= serverFrame.push(d.seq, stored);
      return frame;
    },
  } as Delivery;
  if (exceptSession) d.exceptSession = exceptSession;
  return d;
}
