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
import { END_MARKER_WINDOW, endedIn, planJoin, runningCall } from './call-joins.ts';
import { hasJoinKey, type CallJoin } from '../../protocol/call-data.ts';
import { c2cKey } from '../model/conversation-keys.ts';

/** Whom an invitation may ring (#admit): the invitees admitted, those left out, and whether the inviter is a stranger to them. */
interface Admitted {
  invitees: string[];
  skipped: string[];
  fromStranger: boolean;
}

/** 8001 `data`: invitation data with the key only the server writes (CallJoin). */
function refuseJoinKey(data: string | undefined): void {
  if (data && hasJoinKey(data)) throw new RingletError(ErrorCode.INVALID_PARAMETER, 'data', 'data: the "join" key is written by the server only (transferCall, addToCall)');
}

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
    refuseJoinKey(p.data);
    // The invitee's existence and the admission reads are asked together (on PostgreSQL they
    // share one round trip); a missing invitee is reported before any limit.
    const known = ctx.tx.existingUsers([p.userID]);
    const admitted = this.#admit(ctx, '', [p.userID]);
    admitted.catch(() => undefined);
    if (!(await known).has(p.userID)) throw new RingletError(ErrorCode.USER_NOT_FOUND, 'user_not_found', `user ${p.userID} does not exist`);
    return this.#start(ctx, '', await admitted, p);
  }

  /** transferCall (Ringlet addition): the other party of my running 1:1 call rings `userID`, marked as my transfer. */
  transferCall(ctx: RequestContext, p: OpParams<'transferCall'>): Promise<Outcome<SignalingResult>> {
    return this.#join(ctx, 'transfer', p);
  }

  /** addToCall (Ringlet addition): `userID` rings to join my running 1:1 call (its room, with its parties). */
  addToCall(ctx: RequestContext, p: OpParams<'addToCall'>): Promise<Outcome<SignalingResult>> {
    return this.#join(ctx, 'add', p);
  }

  /**
   * Both joins: the requester must be a party of an answered, live 1:1 call; the target must
   * exist, not be in the call, and be someone the requester may invite (pending caps, the
   * strangers' pool, blocks: #admit, as an invite from the requester); no party of the call
   * may block the target nor be blocked by it (refused as a full invitee is, 8040
   * `pending_invitations`). The new invitation is an ordinary 1:1 invitation whose data the
   * server writes (CallJoin), so it rings, times out, is accepted or rejected by the rules.
   */
  async #join(ctx: RequestContext, kind: CallJoin['kind'], p: OpParams<'transferCall'>): Promise<Outcome<SignalingResult>> {
    if (p.userID === ctx.userID) throw new RingletError(ErrorCode.INVALID_PARAMETER, 'userID', 'userID: cannot transfer a call to yourself or add yourself');
    const call = await ctx.tx.getInvitation(p.inviteID, false);
    const { other } = runningCall(call, ctx.userID, ctx.now);
    const inv = call!;
    const history = await ctx.tx.listMessages(c2cKey(inv.inviter, inv.inviteeList[0]!), null, END_MARKER_WINDOW);
    if (endedIn(history, inv.inviteID, [inv.inviter, ...inv.inviteeList])) throw new RingletError(ErrorCode.NOT_PERMITTED, 'call_over', 'this call is over');
    const known = await ctx.tx.existingUsers([p.userID]);
    if (!known.has(p.userID)) throw new RingletError(ErrorCode.USER_NOT_FOUND, 'user_not_found', `user ${p.userID} does not exist`);
    const plan = planJoin(kind, inv, ctx.userID, other, p.userID);
    const admitted = await this.#admit(ctx, '', [p.userID]);
    for (const party of plan.parties.filter((u) => u !== ctx.userID)) {
      const [theirs, mine] = await Promise.all([ctx.tx.standing(p.userID, party), ctx.tx.standing(party, p.userID)]);
      if (theirs.blocks || mine.blocks) {
        const err = limitExceeded('pending_invitations', `${p.userID} cannot take another pending invitation from you now`);
        throw new RingletError(err.code, err.reason, err.message, { userIDList: [p.userID] });
      }
    }
    return this.#start(ctx, '', admitted, { data: plan.data, ...(p.timeout !== undefined ? { timeout: p.timeout } : {}) }, plan.inviter);
  }

  async inviteInGroup(ctx: RequestContext, p: OpParams<'inviteInGroup'>): Promise<Outcome<SignalingResult>> {
    refuseJoinKey(p.data);
    if (p.inviteeList.includes(ctx.userID)) throw new RingletError(ErrorCode.INVALID_PARAMETER, 'inviteeList', 'inviteeList: cannot contain the inviter');
    const group = await ctx.tx.getGroup(p.groupID);
    if (!group) throw new RingletError(ErrorCode.GROUP_NOT_FOUND, 'group_not_found', `group ${p.groupID} does not exist`);
    const members = new Set((await ctx.tx.groupMembers(p.groupID)).map((m) => m.userID));
    const outsiders = [ctx.userID, ...p.inviteeList].filter((u) => !members.has(u));
    if (outsiders.length > 0) {
      throw new RingletError(ErrorCode.NOT_GROUP_MEMBER, 'not_group_member', `not members of group ${p.groupID}: ${outsiders.join(', ')}`, { userIDList: outsiders });
    }
    return this.#start(ctx, p.groupID, await this.#admit(ctx, p.groupID, p.inviteeList), p);
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
  async #admit(ctx: RequestContext, groupID: string, inviteeList: readonly string[]): Promise<Admitted> {
    const { pendingSent, pendingPerPair, pendingPerInvitee, pendingFromStrangers } = this.#limits;
    // Group invitations come from a fellow member; a 1:1 inviter is known through a contact or
    // a shared group (one read). Both reads are asked together (one round trip on PostgreSQL).
    const invitee = inviteeList[0]!;
    const [load, standing] = await Promise.all([
      ctx.tx.pendingLoad(ctx.userID, inviteeList, ctx.now),
      groupID === ''
        ? ctx.tx.standing(invitee, ctx.userID).then((s) => ({ blocking: new Set(s.blocks ? [invitee] : []), stranger: !s.knows }))
        : ctx.tx.whoListed('blocks', ctx.userID, inviteeList).then((blocking) => ({ blocking, stranger: false })),
    ]);
    if (load.sent >= pendingSent) throw limitExceeded('pending_invitations_sent', `at most ${pendingSent} open invitations per inviter; cancel one first`);
    const { blocking, stranger } = standing;
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

  async #start(
    ctx: RequestContext,
    groupID: string,
    admitted: Admitted,
    p: Omit<OpParams<'invite'>, 'userID'>,
    /** A join rung in the name of the call's other party (transferCall), not the requester. */
    inviter: string = ctx.userID,
  ): Promise<Outcome<SignalingResult>> {
    const { invitees: inviteeList, skipped, fromStranger } = admitted;
    const onlineUserOnly = p.onlineUserOnly ?? false;
    const created = createInvitation({
      // Time-ordered (UUIDv7, strictly increasing within this process): invitations made in
      // the same millisecond still list in the order they were made (openInvitationsOf).
      inviteID: uuidv7(),
      inviter,
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
    // A transfer's history is the other party's conversation with the target, not the requester's.
    const own = message && inv.inviter === ctx.userID ? messageView(ctx.userID, message) : null;
    const data: SignalingResult = { inviteID: inv.inviteID, message: own };
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
