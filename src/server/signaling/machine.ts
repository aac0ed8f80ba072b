/**
 * The invitation state machine, as a pure function: (invitation, command) → (invitation,
 * effects, error?). No I/O, no clock: `now` comes in with every command. The runner
 * (service.ts) loads the invitation, calls `transition`, persists the result in one
 * transaction and then performs the effects.
 */
import { ErrorCode, RingletError, type EndReason } from '../../protocol/errors.ts';
import { ActionType, type Invitation as InvitationShape } from '../../protocol/signaling.ts';
import type { Invitation, PartState } from '../model/invitation.ts';

export type { Invitation, PartState };

export type Command =
  | { type: 'accept'; by: string; data: string; now: number }
  | { type: 'reject'; by: string; data: string; now: number }
  | { type: 'cancel'; by: string; data: string; now: number }
  /** The deadline passed (the timer fired): every still-pending part times out. */
  | { type: 'deadline'; now: number }
  /** These invitees time out at once (online-only invitees with no session). */
  | { type: 'expireInvitees'; invitees: string[]; now: number }
  | { type: 'memberLeft'; userID: string; now: number }
  | { type: 'groupDismissed'; now: number };

/**
 * One signaling action to announce (and, unless online-only, to store as history). Who
 * hears it is decided by the runner (service.ts, API.md rule 6), not here.
 */
export type Effect =
  | { action: typeof ActionType.INVITE }
  | { action: typeof ActionType.ACCEPT; invitee: string; data: string }
  | { action: typeof ActionType.REJECT; invitee: string; data: string; reason?: string }
  | { action: typeof ActionType.CANCEL; data: string; reason?: string }
  | { action: typeof ActionType.TIMEOUT; invitees: string[] };

export interface Transition {
  invitation: Invitation;
  effects: Effect[];
  /** Set when the command failed; effects may still be non-empty (a lazy timeout). */
  error?: RingletError;
}

/** What an invite or inviteInGroup asks for, as the state machine receives it. */
export interface NewInvitation extends Pick<Invitation, keyof InvitationShape | 'onlineUserOnly' | 'offlinePushInfo'> {
  now: number;
}

/** A fresh invitation with every part pending, and its INVITE effect. */
export function createInvitation(input: NewInvitation): Transition {
  const parts: Record<string, PartState> = {};
  for (const invitee of input.inviteeList) parts[invitee] = 'pending';
  const invitation: Invitation = {
    inviteID: input.inviteID,
    inviter: input.inviter,
    groupID: input.groupID,
    inviteeList: [...input.inviteeList],
    data: input.data,
    timeout: input.timeout,
    onlineUserOnly: input.onlineUserOnly,
    createdAt: input.now,
    deadline: input.timeout > 0 ? input.now + input.timeout * 1000 : null,
    parts,
    endReason: null,
  };
  if (input.offlinePushInfo) invitation.offlinePushInfo = input.offlinePushInfo;
  return { invitation, effects: [{ action: ActionType.INVITE }] };
}

export function pendingInvitees(inv: Invitation): string[] {
  return inv.inviteeList.filter((u) => inv.parts[u] === 'pending');
}

export function isOpen(inv: Invitation): boolean {
  return inv.endReason === null;
}

/** True when the deadline has passed on the server's clock at `now`. */
export function isPastDeadline(inv: Invitation, now: number): boolean {
  return inv.deadline !== null && now >= inv.deadline;
}

/** Applies one command. Never throws: failures come back in `error`. */
export function transition(inv: Invitation, cmd: Command): Transition {
  switch (cmd.type) {
    case 'accept':
    case 'reject':
      return answer(inv, cmd);
    case 'cancel':
      return cancel(inv, cmd);
    case 'deadline':
      return isPastDeadline(inv, cmd.now) ? expire(inv, pendingInvitees(inv)) : unchanged(inv);
    case 'expireInvitees':
      return expire(inv, cmd.invitees.filter((u) => inv.parts[u] === 'pending'));
    case 'memberLeft':
      return memberLeft(inv, cmd.userID, cmd.now);
    case 'groupDismissed':
      return withLazyTimeout(inv, cmd.now, (cur) => endAllPending(cur, '', 'group_dismissed'));
  }
}

function unchanged(inv: Invitation, error?: RingletError): Transition {
  return error ? { invitation: inv, effects: [], error } : { invitation: inv, effects: [] };
}

function answer(inv: Invitation, cmd: { type: 'accept' | 'reject'; by: string; data: string; now: number }): Transition {
  const part = inv.parts[cmd.by];
  if (part === undefined) {
    return unchanged(inv, new RingletError(ErrorCode.NOT_PERMITTED, 'not_invitee', `${cmd.by} is not an invitee of ${inv.inviteID}`));
  }
  if (part !== 'pending') return unchanged(inv, partEnded(ErrorCode.INVITE_PART_ENDED, inv.inviteID, part));
  return withLazyTimeout(inv, cmd.now, (cur) => {
    const next = endParts(cur, [cmd.by], cmd.type === 'accept' ? 'accepted' : 'rejected');
    const effect: Effect =
      cmd.type === 'accept'
        ? { action: ActionType.ACCEPT, invitee: cmd.by, data: cmd.data }
        : { action: ActionType.REJECT, invitee: cmd.by, data: cmd.data };
    return { invitation: next, effects: [effect] };
  }, ErrorCode.INVITE_PART_ENDED);
}

function cancel(inv: Invitation, cmd: { by: string; data: string; now: number }): Transition {
  if (cmd.by !== inv.inviter) {
    return unchanged(inv, new RingletError(ErrorCode.NOT_PERMITTED, 'not_inviter', `only the inviter may cancel ${inv.inviteID}`));
  }
  if (!isOpen(inv)) return unchanged(inv, partEnded(ErrorCode.CANCEL_NOT_POSSIBLE, inv.inviteID, inv.endReason ?? 'cancelled'));
  return withLazyTimeout(inv, cmd.now, (cur) => endAllPending(cur, cmd.data), ErrorCode.CANCEL_NOT_POSSIBLE);
}

function memberLeft(inv: Invitation, userID: string, now: number): Transition {
  if (!isOpen(inv)) return unchanged(inv);
  if (userID === inv.inviter) return withLazyTimeout(inv, now, (cur) => endAllPending(cur, '', 'inviter_left'));
  if (inv.parts[userID] !== 'pending') return unchanged(inv);
  return withLazyTimeout(inv, now, (cur) => ({
    invitation: endParts(cur, [userID], 'rejected'),
    effects: [{ action: ActionType.REJECT, invitee: userID, data: '', reason: 'left_group' }],
  }));
}

/**
 * Runs `apply` unless the deadline has passed; then the pending parts time out first
 * (that commits) and, when `failWith` is given, the command fails with reason 'timeout'.
 */
function withLazyTimeout(inv: Invitation, now: number, apply: (cur: Invitation) => Transition, failWith?: number): Transition {
  if (!isPastDeadline(inv, now)) return apply(inv);
  const expired = expire(inv, pendingInvitees(inv));
  if (failWith === undefined) return expired;
  return { ...expired, error: partEnded(failWith, inv.inviteID, 'timeout') };
}

function endAllPending(inv: Invitation, data: string, reason?: string): Transition {
  const pending = pendingInvitees(inv);
  if (pending.length === 0) return unchanged(inv);
  const effect: Effect = reason ? { action: ActionType.CANCEL, data, reason } : { action: ActionType.CANCEL, data };
  return { invitation: endParts(inv, pending, 'cancelled'), effects: [effect] };
}

function expire(inv: Invitation, invitees: string[]): Transition {
  if (invitees.length === 0) return unchanged(inv);
  return { invitation: endParts(inv, invitees, 'timeout'), effects: [{ action: ActionType.TIMEOUT, invitees }] };
}

function endParts(inv: Invitation, invitees: string[], state: EndReason): Invitation {
  const parts = { ...inv.parts };
  for (const u of invitees) parts[u] = state;
  const stillPending = inv.inviteeList.some((u) => parts[u] === 'pending');
  return { ...inv, parts, endReason: stillPending ? null : state };
}

function partEnded(code: number, inviteID: string, how: EndReason): RingletError {
  return new RingletError(code, how, `invitation ${inviteID} is no longer pending here: ${how}`);
}

/**
 * Whether `by` may change the data of `inv` (modifyInvitation, docs/API.md): the inviter
 * while it rings, and once someone accepted (a call in progress), the inviter and every
 * invitee who accepted. Returns the error, or null when allowed. Call it on an invitation
 * whose passed deadline has been applied (`deadline` command) first.
 */
export function modifyRefusal(inv: Invitation, by: string): RingletError | null {
  const answered = inv.inviteeList.some((u) => inv.parts[u] === 'accepted');
  if (by === inv.inviter) {
    if (isOpen(inv) || answered) return null;
    return partEnded(ErrorCode.INVITE_PART_ENDED, inv.inviteID, inv.endReason ?? 'cancelled');
  }
  const part = inv.parts[by];
  if (part === undefined) return new RingletError(ErrorCode.NOT_PERMITTED, 'not_party', `${by} is neither the inviter nor an invitee of ${inv.inviteID}`);
  if (part === 'accepted') return null;
  if (part === 'pending') return new RingletError(ErrorCode.NOT_PERMITTED, 'not_accepted', `${by} has not accepted ${inv.inviteID}`);
  return partEnded(ErrorCode.INVITE_PART_ENDED, inv.inviteID, part);
}
