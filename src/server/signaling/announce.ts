/**
 * Turns the effects of a transition into history messages and per-user pushes, inside
 * the transaction (API.md rules 6-8: who hears what, history, unread counts).
 */
import { callStep } from './lifecycle.ts';
import { ActionType, SIGNALING_BUSINESS_ID, TSignaling, type PendingInvitation, type SignalingEvent, type SignalingPayload } from '../../protocol/signaling.ts';
import { conversationIDFor, messageView } from '../im/conversations.ts';
import { c2cKey, groupKey } from '../model/conversation-keys.ts';
import type { RequestContext } from '../context.ts';
import type { StoredMessage, StoreTx } from '../store/types.ts';
import type { Effect, Invitation } from './machine.ts';

export interface AnnounceContext extends Pick<RequestContext, 'tx' | 'outbox' | 'now'> {
  /**
   * The session whose signaling call (invite, accept, reject, cancel) caused the transition:
   * it has its promise, so it hears no event. Absent when every session of the audience
   * hears it: what the server causes on its own (deadlines, including a deadline discovered
   * by a late action, and online-only invitees timing out at once), and what a membership
   * call (quitGroup, deleteGroupMember, dismissGroup) causes indirectly (API.md rule 6).
   */
  originSession?: string;
  /** Extra users who must hear group events although no longer members (a leaver). */
  alsoNotify?: readonly string[];
}

/** Seconds left until the deadline, as `remaining` reports it (0 without a timeout). */
export function remainingSeconds(deadline: number | null, now: number): number {
  if (deadline === null) return 0;
  return Math.max(0, Math.ceil((deadline - now) / 1000));
}

/** The users who hear about `inv`: inviter and invitees, or the whole group. */
export async function audienceOf(tx: StoreTx, inv: Invitation, extra: readonly string[] = []): Promise<string[]> {
  const users = new Set<string>([inv.inviter, ...inv.inviteeList.filter((u) => !inv.groupID), ...extra]);
  if (inv.groupID) for (const m of await tx.groupMembers(inv.groupID)) users.add(m.userID);
  return [...users];
}

/**
 * Stores and queues what each effect means for its audience. Returns, per effect, the
 * history message (online-only ones are built the same way but never stored).
 */
export async function announce(ctx: AnnounceContext, inv: Invitation, effects: readonly Effect[]): Promise<StoredMessage[]> {
  if (effects.length === 0) return [];
  const audience = await audienceOf(ctx.tx, inv, ctx.alsoNotify);
  const messages: StoredMessage[] = [];
  for (const effect of effects) {
    messages.push(await announceOne(ctx, inv, effect, audience));
    ctx.outbox.calls.push(callStep(inv, effect, ctx.now));
  }
  return messages;
}

async function announceOne(ctx: AnnounceContext, inv: Invitation, effect: Effect, audience: readonly string[]): Promise<StoredMessage> {
  const stored = !inv.onlineUserOnly;
  const history = historyMessage(ctx, inv, effect);
  const message = stored ? await storeHistory(ctx, inv, history) : null;
  const signal = (userID: string): SignalingEvent | undefined => eventFor(inv, effect, userID, ctx.now);
  await ctx.outbox.push(
    audience,
    (userID) => {
      const s = signal(userID);
      const body: { signal?: SignalingEvent; message?: ReturnType<typeof messageView> } = {};
      if (s) body.signal = s;
      if (message) body.message = messageView(userID, message);
      return body;
    },
    {
      stored,
      viewKey: (userID) => `${viewClass(inv, effect, userID)}|${conversationIDFor(userID, history)}`,
      ...(ctx.originSession ? { exceptSession: ctx.originSession } : {}),
      inviteID: inv.inviteID,
      deadline: effect.action === ActionType.INVITE ? inv.deadline : null,
    },
  );
  return message ?? { ...history, id: 0 };
}

/**
 * modifyInvitation's announcement: INVITATION_MODIFIED to the whole audience (rule 6: not
 * the requesting session), stored in their event logs so a reconnecting session replays it
 * (unless online-only). No history message: Tencent rewrites the invite message in place,
 * Ringlet keeps history as it was written (the call as it was placed) and the invitation's
 * current data on the server.
 */
export async function announceModified(ctx: AnnounceContext, inv: Invitation, modifier: string): Promise<void> {
  const audience = await audienceOf(ctx.tx, inv, ctx.alsoNotify);
  const signal: SignalingEvent = {
    name: TSignaling.INVITATION_MODIFIED,
    data: { inviteID: inv.inviteID, inviter: inv.inviter, groupID: inv.groupID, data: inv.data, modifier },
  };
  await ctx.outbox.push(audience, () => ({ signal }), {
    stored: !inv.onlineUserOnly,
    viewKey: () => 'modified',
    ...(ctx.originSession ? { exceptSession: ctx.originSession } : {}),
    inviteID: inv.inviteID,
    deadline: null,
  });
}

/** An open invitation as getPendingInvitations lists it, with `remaining` as of `now`. */
export function pendingView(inv: Invitation, now: number): PendingInvitation {
  return {
    inviteID: inv.inviteID,
    inviter: inv.inviter,
    groupID: inv.groupID,
    inviteeList: inv.inviteeList,
    data: inv.data,
    timeout: inv.timeout,
    remaining: remainingSeconds(inv.deadline, now),
  };
}

/** NEW_INVITATION_RECEIVED for `inv`, with `remaining` as of `now`. */
export function newInvitationEvent(inv: Invitation, now: number): SignalingEvent {
  const data = pendingView(inv, now);
  return { name: TSignaling.NEW_INVITATION_RECEIVED, data: inv.offlinePushInfo ? { ...data, offlinePushInfo: inv.offlinePushInfo } : data };
}

/** Users of one class hear the same event for this effect (see eventFor). */
function viewClass(inv: Invitation, effect: Effect, userID: string): string {
  if (userID === inv.inviter) return 'inviter';
  return effect.action === ActionType.TIMEOUT && effect.invitees.includes(userID) ? 'self' : 'other';
}

/** The event `userID` hears for this effect, or undefined (the inviter hears no invite). */
function eventFor(inv: Invitation, effect: Effect, userID: string, now: number): SignalingEvent | undefined {
  const base = { inviteID: inv.inviteID, inviter: inv.inviter, groupID: inv.groupID };
  switch (effect.action) {
    case ActionType.INVITE: {
      return userID === inv.inviter ? undefined : newInvitationEvent(inv, now);
    }
    case ActionType.ACCEPT:
      return { name: TSignaling.INVITEE_ACCEPTED, data: { ...base, invitee: effect.invitee, data: effect.data } };
    case ActionType.REJECT: {
      const data = { ...base, invitee: effect.invitee, data: effect.data };
      return { name: TSignaling.INVITEE_REJECTED, data: effect.reason ? { ...data, reason: effect.reason } : data };
    }
    case ActionType.CANCEL: {
      const data = { ...base, data: effect.data };
      return { name: TSignaling.INVITATION_CANCELLED, data: effect.reason ? { ...data, reason: effect.reason } : data };
    }
    case ActionType.TIMEOUT:
      return { name: TSignaling.INVITATION_TIMEOUT, data: { ...base, inviteeList: effect.invitees, isSelfTimeout: effect.invitees.includes(userID) } };
  }
}

/** The TSignaling JSON history message of one effect. */
function historyMessage(ctx: AnnounceContext, inv: Invitation, effect: Effect): Omit<StoredMessage, 'id'> {
  const payload: SignalingPayload = {
    businessID: SIGNALING_BUSINESS_ID,
    inviteID: inv.inviteID,
    inviter: inv.inviter,
    actionType: effect.action,
    inviteeList: historyInvitees(inv, effect),
    data: effect.action === ActionType.INVITE ? inv.data : effect.action === ActionType.TIMEOUT ? '' : effect.data,
    timeout: inv.timeout,
    groupID: inv.groupID,
  };
  const from = effect.action === ActionType.ACCEPT || effect.action === ActionType.REJECT ? effect.invitee : inv.inviter;
  const invitee = inv.inviteeList[0] ?? inv.inviter;
  const to = inv.groupID || (from === inv.inviter ? invitee : inv.inviter);
  const convKey = inv.groupID ? groupKey(inv.groupID) : c2cKey(inv.inviter, invitee);
  return { convKey, from, to, time: ctx.now, payload: { data: JSON.stringify(payload) } };
}

/** Stores a history message and counts it unread for everyone who holds the conversation but its sender. */
async function storeHistory(ctx: AnnounceContext, inv: Invitation, m: Omit<StoredMessage, 'id'>): Promise<StoredMessage> {
  const id = await ctx.tx.insertMessage(m);
  // In a group only current members keep the conversation; 1:1, both users.
  const holders = inv.groupID ? (await ctx.tx.groupMembers(inv.groupID)).map((x) => x.userID) : [inv.inviter, inv.inviteeList[0] ?? inv.inviter];
  await ctx.tx.bumpConversations(
    holders.map((u) => ({ userID: u, conversationID: messageView(u, { ...m, id }).conversationID, unreadDelta: u === m.from ? 0 : 1 })),
    id,
    ctx.now,
  );
  return { ...m, id };
}

function historyInvitees(inv: Invitation, effect: Effect): string[] {
  switch (effect.action) {
    case ActionType.ACCEPT:
    case ActionType.REJECT:
      return [effect.invitee];
    case ActionType.TIMEOUT:
      return effect.invitees;
    default:
      return inv.inviteeList;
  }
}
