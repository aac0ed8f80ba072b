/**
 * The runner of the invitation state machine: validates against the store, applies a
 * transition, persists it and announces its effects, all inside the caller's transaction.
 */
import { v7 as uuidv7 } from 'uuid';
import { ErrorCode, limitExceeded, RingletError } from '../../protocol/errors.ts';
import { DEFAULT_LIMITS, pendingTowardMax, type ServerLimits } from '../limits/config.ts';
import { LIMITS } from '../../protocol/limits.ts';
import type { OpParams, OpResult, SignalingResult } from '../../protocol/ops.ts';
import type { Outcome, ReadContext, RequestContext } from '../context.ts';
import type { Bus } from '../hub/types.ts';
import type { StoreTx } from '../store/types.ts';
import { messageView } from '../im/conversations.ts';
import { announce, announceModified, pendingView, type AnnounceContext } from './announce.ts';
import { createInvitation, isOpen, isPastDeadline, modifyRefusal, pendingInvitees, transition, type Command, type Invitation } from './machine.ts';

export class SignalingService {
  readonly #bus: Bus;
  readonly #limits: ServerLimits;

  constructor(bus: Bus, limits: ServerLimits = DEFAULT_LIMITS) {
    this.#bus = bus;
    this.#limits = limits;
  }

  /** Most invitations getPendingInvitations lists: what the caps allow (pending toward me from both pools + sent by me). */
  get pendingListMax(): number {
    return pendingTowardMax(this.#limits) + this.#limits.pendingSent;
  }

  async invite(ctx: RequestContext, p: OpParams<'invite'>): Promise<Outcome<SignalingResult>> {
    if (p.userID === ctx.userID) throw new RingletError(ErrorCode.INVALID_PARAMETER, 'userID', 'userID: cannot invite yourself');
    const known = await ctx.tx.existingUsers([p.userID]);
    if (!known.has(p.userID)) throw new RingletError(ErrorCode.USER_NOT_FOUND, 'user_not_found', `user ${p.userID} does not exist`);
    return this.#start(ctx, '', [p.userID], p);
  }

  async inviteInGroup(ctx: RequestContext, p: OpParams<'inviteInGroup'>): Promise<Outcome<SignalingResult>> {
    if (p.inviteeList.includes(ctx.userID)) throw new RingletError(ErrorCode.INVALID_PARAMETER, 'inviteeList', 'inviteeList: cannot contain the inviter');
    const group = await ctx.tx.getGroup(p.groupID);
    if (!group) throw new RingletError(ErrorCode.GROUP_NOT_FOUND, 'group_not_found', `group ${p.groupID} does not exist`);
    const members = new Set((await ctx.tx.groupMembers(p.groupID)).map((m) => m.userID));
    const outsiders = [ctx.userID, ...p.inviteeList].filter((u) => !members.has(u));
    if (outsiders.length > 0) {
      throw new RingletError(ErrorCode.NOT_GROUP_MEMBER, 'not_group_member', `not members of group ${p.groupID}: ${outsiders.join(', ')}`, { userIDList: outsiders });
    }
    return this.#start(ctx, p.groupID, p.inviteeList, p);
  }

  /**
   * The pending caps (docs/SECURITY.md "Blocks"): 8040 `pending_invitations_sent` when the
   * inviter has too many open; per invitee, at most `pendingPerPair` from this inviter, and
   * `pendingPerInvitee` from contacts and group members or `pendingFromStrangers` from
   * others, two pools that never take each other's places. An invitee who blocks the
   * inviter is refused exactly as a full one is: the inviter cannot tell the two apart.
   * A 1:1 invitation to such an invitee fails (8040 `pending_invitations`); a group call
   * leaves them out (`skipped`) and fails only when nobody is left.
   */
  async #admit(ctx: RequestContext, groupID: string, inviteeList: readonly string[]): Promise<{ invitees: string[]; skipped: string[]; fromStranger: boolean }> {
    const { pendingSent, pendingPerPair, pendingPerInvitee, pendingFromStrangers } = this.#limits;
    const load = await ctx.tx.pendingLoad(ctx.userID, inviteeList, ctx.now);
    if (load.sent >= pendingSent) throw limitExceeded('pending_invitations_sent', `at most ${pendingSent} open invitations per inviter; cancel one first`);
    // Group invitations come from a fellow member; a 1:1 inviter is known through a contact or a shared group (one read).
    let blocking: ReadonlySet<string>;
    let stranger = false;
    if (groupID === '') {
      const invitee = inviteeList[0]!;
      const s = await ctx.tx.standing(invitee, ctx.userID);
      blocking = new Set(s.blocks ? [invitee] : []);
      stranger = !s.knows;
    } else {
      blocking = await ctx.tx.whoListed('blocks', ctx.userID, inviteeList);
    }
    const full = inviteeList.filter((u) => {
      if (blocking.has(u)) return true;
      const t = load.toward.get(u);
      if (t === undefined) return false;
      if (t.fromInviter >= pendingPerPair) return true;
      return stranger ? t.fromStrangers >= pendingFromStrangers : t.total - t.fromStrangers >= pendingPerInvitee;
    });
    const invitees = inviteeList.filter((u) => !full.includes(u));
    if (invitees.length === 0) {
      const err = limitExceeded('pending_invitations', `${full.join(', ')} cannot take another pending invitation from you now (at most ${pendingPerPair} from one inviter, ${pendingPerInvitee} from contacts and group members, ${pendingFromStrangers} from others)`);
      throw new RingletError(err.code, err.reason, err.message, { userIDList: full });
    }
    return { invitees, skipped: full, fromStranger: stranger };
  }

  async #start(ctx: RequestContext, groupID: string, asked: string[], p: Omit<OpParams<'invite'>, 'userID'>): Promise<Outcome<SignalingResult>> {
    const { invitees: inviteeList, skipped, fromStranger } = await this.#admit(ctx, groupID, asked);
    const onlineUserOnly = p.onlineUserOnly ?? false;
    const created = createInvitation({
      // Time-ordered (UUIDv7, strictly increasing within this process): invitations made in
      // the same millisecond still list in the order they were made (openInvitationsOf).
      inviteID: uuidv7(),
      inviter: ctx.userID,
      groupID,
      inviteeList,
      data: p.data ?? '',
      timeout: p.timeout ?? LIMITS.defaultTimeout,
      onlineUserOnly,
      ...(p.offlinePushInfo ? { offlinePushInfo: p.offlinePushInfo } : {}),
      now: ctx.now,
    });
    let inv = created.invitation;
    await ctx.tx.insertInvitation(inv, fromStranger);
    const [message] = await announce(this.#announceCtx(ctx), inv, created.effects);
    if (onlineUserOnly) {
      // Invitees with no session right now time out at once and never hear of it (rule 7).
      const online = await this.#bus.online(inviteeList);
      const offline = inviteeList.filter((u) => !online.has(u));
      if (offline.length > 0) inv = await this.#apply(ctx.tx, inv, { type: 'expireInvitees', invitees: offline, now: ctx.now }, this.#announceCtx(ctx, true));
    }
    if (inv.deadline !== null && inv.endReason === null) ctx.deadlines.push(inv.deadline);
    const data: SignalingResult = { inviteID: inv.inviteID, message: message ? messageView(ctx.userID, message) : null };
    if (skipped.length > 0) data.skippedUserIDList = skipped;
    return { data };
  }

  /** accept / reject / cancel by the requesting user. */
  async act(ctx: RequestContext, type: 'accept' | 'reject' | 'cancel', p: OpParams<'accept' | 'reject' | 'cancel'>): Promise<Outcome<SignalingResult>> {
    const inv = await ctx.tx.getInvitation(p.inviteID, true);
    if (!inv) {
      const code = type === 'cancel' ? ErrorCode.CANCEL_NOT_POSSIBLE : ErrorCode.INVITE_PART_ENDED;
      throw new RingletError(code, 'not_found', `no invitation ${p.inviteID}`);
    }
    const t = transition(inv, { type, by: ctx.userID, data: p.data ?? '', now: ctx.now });
    if (t.effects.length === 0) return t.error ? { error: t.error } : { data: { inviteID: inv.inviteID, message: null } };
    await ctx.tx.updateInvitation(inv, t.invitation);
    // A lazy timeout is the server's doing: everyone hears it, the caller included.
    const messages = await announce(t.error ? this.#announceCtx(ctx, true) : this.#announceCtx(ctx), t.invitation, t.effects);
    if (t.error) return { error: t.error };
    const own = messages[messages.length - 1];
    return { data: { inviteID: inv.inviteID, message: own ? messageView(ctx.userID, own) : null } };
  }

  /**
   * modifyInvitation (Tencent's name; Ringlet's rules in docs/API.md): replaces the data of
   * an invitation the user is a party to. A passed deadline is applied first (the timeout
   * commits and everyone hears it); the same data again changes nothing and tells nobody.
   */
  async modify(ctx: RequestContext, p: OpParams<'modifyInvitation'>): Promise<Outcome<OpResult<'modifyInvitation'>>> {
    let inv = await ctx.tx.getInvitation(p.inviteID, true);
    if (!inv) throw new RingletError(ErrorCode.INVITE_PART_ENDED, 'not_found', `no invitation ${p.inviteID}`);
    if (isOpen(inv) && isPastDeadline(inv, ctx.now)) inv = await this.#apply(ctx.tx, inv, { type: 'deadline', now: ctx.now }, this.#announceCtx(ctx, true));
    const refusal = modifyRefusal(inv, ctx.userID);
    if (refusal) return { error: refusal };
    if (inv.data === p.data) return { data: { inviteID: inv.inviteID, data: inv.data } };
    const next: Invitation = { ...inv, data: p.data };
    await ctx.tx.updateInvitation(inv, next);
    await announceModified(this.#announceCtx(ctx), next, ctx.userID);
    return { data: { inviteID: next.inviteID, data: next.data } };
  }

  /** getInvitation (Ringlet addition): the invitation as stored now, to its inviter and invitees only. */
  async invitation({ tx, userID }: ReadContext, p: OpParams<'getInvitation'>): Promise<OpResult<'getInvitation'>> {
    const inv = await tx.getInvitation(p.inviteID, false);
    if (!inv) throw new RingletError(ErrorCode.INVITE_PART_ENDED, 'not_found', `no invitation ${p.inviteID}`);
    if (inv.inviter !== userID && !inv.inviteeList.includes(userID)) {
      throw new RingletError(ErrorCode.NOT_PERMITTED, 'not_party', `${userID} is neither the inviter nor an invitee of ${p.inviteID}`);
    }
    const { inviteID, inviter, groupID, inviteeList, data, timeout } = inv;
    return { invitation: { inviteID, inviter, groupID, inviteeList, data, timeout } };
  }

  /** Every open invitation in which the user is inviter or a pending invitee. */
  async pending({ tx, userID, now }: ReadContext): Promise<OpResult<'getPendingInvitations'>> {
    const list = await tx.openInvitationsOf(userID, this.pendingListMax);
    return { invitationList: list.filter((inv) => !isPastDeadline(inv, now)).map((inv) => pendingView(inv, now)) };
  }

  /** A deadline fired: times out what is still pending (exactly once: a second run finds nothing). */
  async fireDeadline(tx: StoreTx, outbox: RequestContext['outbox'], inviteID: string, now: number): Promise<void> {
    const inv = await tx.getInvitation(inviteID, true);
    if (inv) await this.#apply(tx, inv, { type: 'deadline', now }, { tx, outbox, now });
  }

  /**
   * A member left or was removed: their open invitations in that group react (rule 9).
   * These events are indirect (rule 6): the requesting session hears them too, since its
   * promise answers the membership call, not the invitation.
   */
  async memberLeft(ctx: RequestContext, groupID: string, userID: string): Promise<void> {
    for (const inv of await ctx.tx.openInvitationsInGroup(groupID)) {
      const touches = inv.inviter === userID || pendingInvitees(inv).includes(userID) || isPastDeadline(inv, ctx.now);
      if (touches) await this.#apply(ctx.tx, inv, { type: 'memberLeft', userID, now: ctx.now }, { ...this.#announceCtx(ctx, true), alsoNotify: [userID] });
    }
  }

  /** The group is being dismissed: every open invitation in it is cancelled (rule 9), heard by every session (rule 6). */
  async groupDismissed(ctx: RequestContext, groupID: string): Promise<void> {
    for (const inv of await ctx.tx.openInvitationsInGroup(groupID)) {
      await this.#apply(ctx.tx, inv, { type: 'groupDismissed', now: ctx.now }, this.#announceCtx(ctx, true));
    }
  }

  async #apply(tx: StoreTx, inv: Invitation, cmd: Command, actx: AnnounceContext): Promise<Invitation> {
    const t = transition(inv, cmd);
    if (t.effects.length === 0) return inv;
    await tx.updateInvitation(inv, t.invitation);
    await announce(actx, t.invitation, t.effects);
    return t.invitation;
  }

  /**
   * `toAll`: every session of the audience hears it, the requesting one included (events
   * the server makes itself, and events a membership call causes indirectly: rule 6).
   */
  #announceCtx(ctx: RequestContext, toAll = false): AnnounceContext {
    return toAll ? { tx: ctx.tx, outbox: ctx.outbox, now: ctx.now } : { tx: ctx.tx, outbox: ctx.outbox, now: ctx.now, originSession: ctx.sessionID };
  }
}
