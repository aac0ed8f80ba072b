/**
 * The outbox of one transaction: frames for users, written to their event logs inside
 * the transaction (so a reconnecting client can replay them exactly) and published on
 * the bus only after the commit.
 */
import type { GroupDeltaFrame } from '../protocol/frames.ts';
import type { Group, Message } from '../protocol/im.ts';
import type { SignalingEvent } from '../protocol/signaling.ts';
import type { Delivery } from './hub/types.ts';
import type { StoreTx } from './store/types.ts';

export interface PushBody {
  signal?: SignalingEvent;
  message?: Message;
}

export interface PushOptions {
  /** False for online-only events: never logged, never replayed, no seq. */
  stored: boolean;
  exceptSession?: string;
  /** Set on invitation events so a replay can filter and recompute `remaining`. */
  inviteID?: string;
  deadline?: number | null;
}

export class Outbox {
  readonly deliveries: Delivery[] = [];
  readonly #tx: StoreTx;
  readonly #now: number;

  constructor(tx: StoreTx, now: number) {
    this.#tx = tx;
    this.#now = now;
  }

  /** Queues one push per user; `body(userID)` builds that user's view (or null to skip). */
  async push(userIDs: readonly string[], body: (userID: string) => PushBody | null, opts: PushOptions): Promise<void> {
    const bodies = new Map<string, PushBody>();
    for (const u of new Set(userIDs)) {
      const b = body(u);
      if (b && (b.signal || b.message)) bodies.set(u, b);
    }
    if (bodies.size === 0) return;
    const texts = new Map<string, string>();
    for (const [userID, b] of bodies) texts.set(userID, JSON.stringify(b));
    const seqs = opts.stored
      ? await this.#tx.appendEvents([...texts].map(([userID, frame]) => ({ userID, inviteID: opts.inviteID ?? null, deadline: opts.deadline ?? null, frame })), this.#now)
      : null;
    for (const [userID, stored] of texts) {
      const seq = seqs?.get(userID) ?? null;
      if (opts.stored && seq === null) continue; // unknown user: nobody to deliver to
      const d: Delivery = { userID, seq, frame: pushFrame(seq, stored) };
      if (opts.exceptSession) d.exceptSession = opts.exceptSession;
      this.deliveries.push(d);
    }
  }

  /**
   * One change to each user's group list (the SDK applies it to the list it holds and emits
   * GROUP_LIST_UPDATED with the whole list): a few hundred bytes per user, never the list.
   */
  groupDelta(userIDs: readonly string[], change: GroupDeltaFrame['change'], group: Group): void {
    const frame = JSON.stringify({ type: 'groupDelta', change, group } satisfies GroupDeltaFrame);
    for (const u of new Set(userIDs)) this.deliveries.push({ userID: u, seq: null, frame });
  }
}

/** A push frame's JSON from a stored body (`{"signal":…,"message":…}`) and its seq. */
export function pushFrame(seq: number | null, storedBody: string): string {
  return `{"type":"push","seq":${seq === null ? 'null' : seq},${storedBody.slice(1)}`;
}
