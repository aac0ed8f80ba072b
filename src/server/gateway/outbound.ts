/**
 * Outbound memory budgets: bytes handed to sockets and not yet written to the kernel,
 * per socket, per user (all of that user's sockets on this node) and for the process.
 * A send that would go past a budget closes the fullest socket in that scope (close code
 * 4503); its user reconnects and resumes by seq, so nothing is lost, only delayed.
 */
import type { ServerLimits } from '../limits/config.ts';

export type OutboundLimits = Pick<ServerLimits, 'outboundPerSocket' | 'outboundPerUser' | 'outboundProcess'>;

/** One socket's share; `overflow` closes it. */
export interface OutboundSlot {
  /** '' until the socket has logged in. */
  userID: string;
  queued: number;
  tracked: boolean;
  overflow(): void;
}

export class OutboundBudget {
  readonly #limits: OutboundLimits;
  readonly #slots = new Set<OutboundSlot>();
  readonly #byUser = new Map<string, { bytes: number; slots: Set<OutboundSlot> }>();
  #total = 0;

  constructor(limits: OutboundLimits) {
    this.#limits = limits;
  }

  /** Bytes queued in the whole process (for tests and metrics). */
  get total(): number {
    return this.#total;
  }

  /** Starts counting a socket (its user may be '' until login; see `rekey`). */
  track(slot: OutboundSlot): void {
    slot.tracked = true;
    this.#slots.add(slot);
    this.#addToUser(slot);
  }

  /** Stops counting a socket; what it still had queued no longer counts. */
  untrack(slot: OutboundSlot): void {
    if (!slot.tracked) return;
    slot.tracked = false;
    this.#slots.delete(slot);
    this.#total -= slot.queued;
    const u = this.#byUser.get(slot.userID);
    if (u) {
      u.bytes -= slot.queued;
      u.slots.delete(slot);
      if (u.slots.size === 0) this.#byUser.delete(slot.userID);
    }
    slot.queued = 0;
  }

  /** Re-files a socket under its user once it has logged in. */
  moveTo(slot: OutboundSlot, userID: string): void {
    const queued = slot.queued;
    this.untrack(slot);
    slot.userID = userID;
    this.track(slot);
    slot.queued = queued;
    this.#total += queued;
    const u = this.#byUser.get(userID);
    if (u) u.bytes += queued;
  }

  /**
   * Counts `bytes` about to be sent on `slot`. False when that socket itself must be
   * closed instead; other sockets that are the fullest of an exceeded budget are closed here.
   */
  reserve(slot: OutboundSlot, bytes: number): boolean {
    if (!slot.tracked) return false;
    if (slot.queued + bytes > this.#limits.outboundPerSocket) return false;
    const u = slot.userID ? this.#byUser.get(slot.userID) : undefined;
    while (u && u.bytes + bytes > this.#limits.outboundPerUser) {
      const victim = fullest(u.slots);
      if (victim === slot || victim === undefined) return false;
      victim.overflow();
      this.untrack(victim);
    }
    while (this.#total + bytes > this.#limits.outboundProcess) {
      const victim = fullest(this.#slots);
      if (victim === slot || victim === undefined) return false;
      victim.overflow();
      this.untrack(victim);
    }
    slot.queued += bytes;
    this.#total += bytes;
    if (u) u.bytes += bytes;
    return true;
  }

  /** `bytes` of `slot` reached the kernel (or the socket is gone). */
  release(slot: OutboundSlot, bytes: number): void {
    if (!slot.tracked) return;
    slot.queued -= bytes;
    this.#total -= bytes;
    const u = slot.userID ? this.#byUser.get(slot.userID) : undefined;
    if (u) u.bytes -= bytes;
  }

  #addToUser(slot: OutboundSlot): void {
    if (!slot.userID) return;
    let u = this.#byUser.get(slot.userID);
    if (!u) {
      u = { bytes: 0, slots: new Set() };
      this.#byUser.set(slot.userID, u);
    }
    u.slots.add(slot);
  }
}

function fullest(slots: Iterable<OutboundSlot>): OutboundSlot | undefined {
  let best: OutboundSlot | undefined;
  for (const s of slots) if (best === undefined || s.queued > best.queued) best = s;
  return best;
}
