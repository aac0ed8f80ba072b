/**
 * Remembers which invitations this client has announced, so a NEW_INVITATION_RECEIVED is
 * never emitted twice for the same invitation (a fresh resync after a long absence
 * re-announces what is still ringing).
 */
import { TSignaling, type SignalingEvent } from '../protocol/signaling.ts';

const MAX_REMEMBERED = 2000;

export class InvitationTracker {
  #announced = new Set<string>();

  /** Whether to emit this event; records announcements. */
  admit(event: SignalingEvent): boolean {
    if (event.name !== TSignaling.NEW_INVITATION_RECEIVED) return true;
    const id = event.data.inviteID;
    if (this.#announced.has(id)) return false;
    this.#announced.add(id);
    if (this.#announced.size > MAX_REMEMBERED) {
      const oldest = this.#announced.values().next().value;
      if (oldest !== undefined) this.#announced.delete(oldest);
    }
    return true;
  }

  reset(): void {
    this.#announced.clear();
  }
}
