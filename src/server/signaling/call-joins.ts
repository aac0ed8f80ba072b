/**
 * The rules of transferCall and addToCall (docs/API.md "Transfer and add someone", Ringlet
 * additions), pure: who may act on a running 1:1 call, who is in it, and what the new
 * invitation's data says. The service (service.ts) reads the store and runs the invitation.
 */
import { ErrorCode, RingletError } from '../../protocol/errors.ts';
import { decodeCallEnd, decodeInvite, encodeJoinInvite, newRoomID, type CallJoin } from '../../protocol/call-data.ts';
import { MESH_LIMIT } from '../../protocol/sfu.ts';
import { parseSignalingPayload, ActionType } from '../../protocol/signaling.ts';
import type { Invitation } from '../model/invitation.ts';
import type { StoredMessage } from '../store/types.ts';
import { MAX_CALL_AGE_MS } from '../sfu/policy.ts';

/** How many of the pair's latest history messages are searched for the call's end-of-call marker. */
export const END_MARKER_WINDOW = 50;

const refuse = (reason: string, message: string) => new RingletError(ErrorCode.NOT_PERMITTED, reason, message);

/**
 * Checks that `userID` is a party of the running call `inv` and returns the other party.
 * The same 8011 `not_party` whether the invitation exists or not (nobody learns about calls
 * they are not in); `group_call`, `not_answered`, `call_over` otherwise.
 */
export function runningCall(inv: Invitation | null, userID: string, now: number): { other: string } {
  const invitee = inv?.inviteeList[0];
  const party = inv !== null && invitee !== undefined && (inv.inviter === userID || invitee === userID);
  if (!inv || !party) throw refuse('not_party', 'only a party of this call may transfer it or add someone to it');
  if (inv.groupID !== '') throw refuse('group_call', 'a group call is not transferred; invite the person in the group instead');
  if (inv.parts[invitee] !== 'accepted') throw refuse('not_answered', 'this call has not been answered');
  if (now - inv.createdAt > MAX_CALL_AGE_MS) throw refuse('call_over', 'this call is over');
  return { other: inv.inviter === userID ? invitee : inv.inviter };
}

/** Whether the pair's latest history holds an end-of-call marker (the seed's hang-up) of `inviteID` sent by one of its parties. */
export function endedIn(history: readonly StoredMessage[], inviteID: string, parties: readonly string[]): boolean {
  return history.some((m) => {
    const s = parseSignalingPayload(m.payload.data);
    return s !== null && s.actionType === ActionType.INVITE && parties.includes(s.inviter) && decodeCallEnd(s.data)?.callInviteID === inviteID;
  });
}

/** Everybody in the call: its two parties and those an earlier join said were there. */
export function partiesOf(inv: Invitation): string[] {
  const { join } = decodeInvite(inv.data);
  return [...new Set([...(join?.parties ?? []), inv.inviter, ...inv.inviteeList])];
}

export interface JoinPlan {
  /** Who rings the target: the other party (transfer) or the requester (add). */
  inviter: string;
  data: string;
  /** Users whose block of the target, or whom the target blocks, refuse the join. */
  parties: string[];
}

/**
 * The new invitation of a transfer or an add. A transfer is a new call between the other
 * party and the target (a new room); an add joins the target to the running call's room.
 * 8001 `userID` for a target already in the call; 8040 `call_size` past the mesh.
 */
export function planJoin(kind: CallJoin['kind'], inv: Invitation, by: string, other: string, target: string): JoinPlan {
  const parties = partiesOf(inv);
  if (parties.includes(target)) throw new RingletError(ErrorCode.INVALID_PARAMETER, 'userID', `userID: ${target} is already in this call`);
  const { roomID, callType } = decodeInvite(inv.data);
  if (kind === 'transfer') {
    const join: CallJoin = { kind, by, callInviteID: inv.inviteID, parties: [other] };
    return { inviter: other, data: encodeJoinInvite(newRoomID(), callType, join), parties: [other] };
  }
  if (parties.length + 1 > MESH_LIMIT) throw new RingletError(ErrorCode.LIMIT_EXCEEDED, 'call_size', `a call made from a 1:1 call holds at most ${MESH_LIMIT} people; start a group call for more`);
  const join: CallJoin = { kind, by, callInviteID: inv.inviteID, parties };
  return { inviter: by, data: encodeJoinInvite(roomID || newRoomID(), callType, join), parties };
}
