/**
 * The server's record of one invitation: what the state machine (signaling/machine.ts)
 * transforms, the store persists and the SFU's policy reads. Its own module, below all
 * three, so that none of them imports another's layer for it.
 */
import type { EndReason } from '../../protocol/errors.ts';
import type { Invitation as InvitationShape, OfflinePushInfo } from '../../protocol/signaling.ts';

/** One invitee's part: still ringing, or how it ended. */
export type PartState = 'pending' | EndReason;

/** The authoritative state of one invitation: the shared shape (protocol/signaling.ts) and what only the server knows. */
export interface Invitation extends InvitationShape {
  onlineUserOnly: boolean;
  offlinePushInfo?: OfflinePushInfo;
  /** Server clock, ms. */
  createdAt: number;
  /** createdAt + timeout (ms), or null when timeout is 0. */
  deadline: number | null;
  /** One part per invitee. */
  parts: Record<string, PartState>;
  /** How the last pending part ended; null while some part is pending. */
  endReason: EndReason | null;
}
