/**
 * Group management (the IM calls signaling needs): create, join, quit, dismiss, add and
 * remove members, profile and member list. Membership changes tell the signaling runner,
 * which ends the affected invitations (API.md rule 9).
 *
 * Consent (Ringlet, docs/SECURITY.md "Group consent"): someone added by another user becomes
 * a member at once only when they have the adder as a contact and did not leave that group
 * by choice; anyone else gets a group invitation to accept or decline (bounded per user by
 * ServerLimits.pendingGroupInvitations, and not counted against their own groups cap). An add
 * by someone the user blocks is dropped unheard, reported to the adder like an invitation.
 */
import { randomBytes } from 'node:crypto';
import { ErrorCode, limitExceeded, RingletError } from '../../protocol/errors.ts';
import type { Group, GroupMember } from '../../protocol/im.ts';
import { LIMITS } from '../../protocol/limits.ts';
import type { OpParams, OpResult } from '../../protocol/ops.ts';
import type { ReadContext, RequestContext } from '../context.ts';
import type { ServerLimits } from '../limits/config.ts';
import type { SignalingService } from '../signaling/service.ts';
import type { StoreTx } from '../store/types.ts';

/** Group types that anyone may join; the others need an existing member to add you. */
const OPEN_TYPES = new Set<Group['type']>(['Public', 'Meeting', 'ChatRoom']);

/**
 * Every membership change goes through the caps (LIMITS.maxGroupMembers per group,
 * LIMITS.maxGroupsPerUser per user) inside its transaction, after the group row is locked
 * (getGroup), so concurrent adds cannot pass a cap together; a call that would pass one
 * fails whole (8040), nothing is added.
 */
/** How the users someone adds to a group enter it (see the class comment). */
interface Consent {
  /** Members at once. */
  direct: string[];
  /** Sent a group invitation. */
  invite: string[];
  /** They block the adder: nothing happens, and the adder is told what an invitation tells. */
  dropped: string[];
}

export interface GroupOptions {
  limits: Pick<ServerLimits, 'pendingGroupInvitations'>;
  /** Adds by others need consent (default true); false: the seed's behaviour, every add is at once. */
  consent: boolean;
}

export class GroupService {
  readonly #signaling: SignalingService;
  readonly #o: GroupOptions;

  constructor(signaling: SignalingService, options: GroupOptions) {
    this.#signaling = signaling;
    this.#o = options;
  }

  async create(ctx: RequestContext, p: OpParams<'createGroup'>): Promise<OpResult<'createGroup'>> {
    const group: Group = { groupID: p.groupID ?? `grp_${randomBytes(8).toString('hex')}`, name: p.name, type: p.type ?? 'Public', ownerID: ctx.userID };
    const others = [...new Set(p.memberList ?? [])].filter((u) => u !== ctx.userID);
    checkGroupSize(group.groupID, 0, 1 + others.length);
    await requireUsers(ctx.tx, others);
    // A dismissed group's row stays as a tombstone, so its ID is refused here too.
    if (!(await ctx.tx.insertGroup(group, ctx.now))) throw new RingletError(ErrorCode.GROUP_EXISTS, 'group_exists', `group ${group.groupID} already exists or existed (IDs are never reused)`);
    const consent = await this.#consent(ctx, group.groupID, others);
    await checkGroupsPerUser(ctx.tx, [ctx.userID, ...consent.direct]);
    const members: GroupMember[] = [{ userID: ctx.userID, role: 'Owner' }, ...consent.direct.map((userID) => ({ userID, role: 'Member' as const }))];
    await ctx.tx.addMembers(group.groupID, members, ctx.now);
    ctx.outbox.groupDelta(members.map((m) => m.userID), 'added', group);
    await this.#invite(ctx, group, consent.invite);
    return { group, invitedUserIDList: invited(others, consent) };
  }

  /** Splits the users `ctx.userID` adds to a group by how they enter it. */
  async #consent(ctx: RequestContext, groupID: string, userIDs: readonly string[]): Promise<Consent> {
    if (userIDs.length === 0) return { direct: [], invite: [], dropped: [] };
    const blocking = await ctx.tx.whoListed('blocks', ctx.userID, userIDs);
    const out: Consent = { direct: [], invite: [], dropped: [] };
    if (!this.#o.consent) {
      for (const u of userIDs) (blocking.has(u) ? out.dropped : out.direct).push(u);
      return out;
    }
    const knowing = await ctx.tx.whoListed('contacts', ctx.userID, userIDs);
    const left = await ctx.tx.leftByChoice(groupID, userIDs);
    for (const u of userIDs) {
      if (blocking.has(u)) out.dropped.push(u);
      else if (knowing.has(u) && !left.has(u)) out.direct.push(u);
      else out.invite.push(u);
    }
    return out;
  }

  /** Group invitations for `userIDs` (8040 `group_invitations` naming those with too many waiting); each hears of it online. */
  async #invite(ctx: RequestContext, group: Group, userIDs: readonly string[]): Promise<void> {
    if (userIDs.length === 0) return;
    const max = this.#o.limits.pendingGroupInvitations;
    const counts = await ctx.tx.groupInvitationCounts(userIDs);
    const full = userIDs.filter((u) => (counts.get(u) ?? 0) >= max);
    if (full.length > 0) {
      const err = limitExceeded('group_invitations', `at most ${max} group invitations may wait for one user: ${full.join(', ')}`);
      throw new RingletError(err.code, err.reason, err.message, { userIDList: full });
    }
    for (const u of userIDs) {
      if (await ctx.tx.addGroupInvitation(u, group.groupID, ctx.userID, ctx.now)) {
        ctx.outbox.groupInvitation(u, { group, inviter: ctx.userID, time: Math.floor(ctx.now / 1000) });
      }
    }
  }

  /** The user's group invitations awaiting consent. */
  async invitations({ tx, userID }: ReadContext): Promise<OpResult<'getGroupInvitationList'>> {
    const rows = await tx.groupInvitationsOf(userID);
    return { invitationList: rows.map((r) => ({ group: r.group, inviter: r.inviter, time: Math.floor(r.createdAt / 1000) })) };
  }

  /** Joins the group the user was invited to (the caps apply as for any join). */
  async acceptInvitation(ctx: RequestContext, p: OpParams<'acceptGroupInvitation'>): Promise<OpResult<'acceptGroupInvitation'>> {
    const group = await requireGroup(ctx.tx, p.groupID);
    if (!(await ctx.tx.takeGroupInvitation(ctx.userID, group.groupID))) throw noInvitation(group.groupID);
    if (await ctx.tx.isMember(group.groupID, ctx.userID)) return { group };
    checkGroupSize(group.groupID, await ctx.tx.memberCount(group.groupID), 1);
    await checkGroupsPerUser(ctx.tx, [ctx.userID]);
    await ctx.tx.addMembers(group.groupID, [{ userID: ctx.userID, role: 'Member' }], ctx.now);
    ctx.outbox.groupDelta([ctx.userID], 'added', group);
    return { group };
  }

  /** Declines: the invitation goes, and the group counts as left by choice (a re-add asks again). */
  async declineInvitation(ctx: RequestContext, p: OpParams<'declineGroupInvitation'>): Promise<OpResult<'declineGroupInvitation'>> {
    if (!(await ctx.tx.takeGroupInvitation(ctx.userID, p.groupID))) throw noInvitation(p.groupID);
    await ctx.tx.markLeft(p.groupID, ctx.userID, ctx.now);
    return { groupID: p.groupID };
  }

  async join(ctx: RequestContext, p: OpParams<'joinGroup'>): Promise<OpResult<'joinGroup'>> {
    const group = await requireGroup(ctx.tx, p.groupID);
    if (await ctx.tx.isMember(group.groupID, ctx.userID)) return { status: 'already_member', group };
    if (!OPEN_TYPES.has(group.type)) {
      throw new RingletError(ErrorCode.NOT_PERMITTED, 'join_not_allowed', `group ${group.groupID} (${group.type}) can only be joined when a member adds you`);
    }
    checkGroupSize(group.groupID, await ctx.tx.memberCount(group.groupID), 1);
    await checkGroupsPerUser(ctx.tx, [ctx.userID]);
    await ctx.tx.addMembers(group.groupID, [{ userID: ctx.userID, role: 'Member' }], ctx.now);
    ctx.outbox.groupDelta([ctx.userID], 'added', group);
    return { status: 'joined', group };
  }

  /**
   * Leaves the group. An owner who leaves hands the group to the longest-standing member;
   * the last member leaving dismisses it.
   */
  async quit(ctx: RequestContext, p: OpParams<'quitGroup'>): Promise<OpResult<'quitGroup'>> {
    const group = await requireGroup(ctx.tx, p.groupID);
    const members = await ctx.tx.groupMembers(group.groupID);
    if (!members.some((m) => m.userID === ctx.userID)) throw notMembers(group.groupID, [ctx.userID]);
    const rest = members.filter((m) => m.userID !== ctx.userID);
    if (rest.length === 0) {
      await this.#dismiss(ctx, group, members);
      return { groupID: group.groupID };
    }
    await ctx.tx.removeMembers(group.groupID, [ctx.userID], ctx.now);
    // Leaving stays left: a re-add, even by a contact, is an invitation again.
    await ctx.tx.markLeft(group.groupID, ctx.userID, ctx.now);
    const newOwner = group.ownerID === ctx.userID ? rest[0]!.userID : null;
    if (newOwner) await ctx.tx.setGroupOwner(group.groupID, newOwner);
    await this.#signaling.memberLeft(ctx, group.groupID, ctx.userID);
    ctx.outbox.groupDelta([ctx.userID], 'removed', group);
    ctx.outbox.membersDeparted(members.map((m) => m.userID), group.groupID, [ctx.userID]);
    if (newOwner) ctx.outbox.groupDelta(rest.map((m) => m.userID), 'updated', { ...group, ownerID: newOwner });
    return { groupID: group.groupID };
  }

  async dismiss(ctx: RequestContext, p: OpParams<'dismissGroup'>): Promise<OpResult<'dismissGroup'>> {
    const group = await requireGroup(ctx.tx, p.groupID);
    if (group.ownerID !== ctx.userID) throw new RingletError(ErrorCode.NOT_GROUP_OWNER, 'not_owner', `only the owner may dismiss group ${group.groupID}`);
    await this.#dismiss(ctx, group, await ctx.tx.groupMembers(group.groupID));
    return { groupID: group.groupID };
  }

  async #dismiss(ctx: RequestContext, group: Group, members: readonly GroupMember[]): Promise<void> {
    await this.#signaling.groupDismissed(ctx, group.groupID);
    await ctx.tx.dismissGroup(group.groupID, ctx.now);
    const everyone = members.map((m) => m.userID);
    ctx.outbox.groupDelta(everyone, 'removed', group);
    ctx.outbox.membersDeparted(everyone, group.groupID, everyone, true);
  }

  /**
   * Any member may add users (who must exist). Those who must consent get an invitation
   * (`invitedUserIDList`). The call fails whole when the group would pass its size, one of
   * the new members its groups-per-user cap, or one invited its group-invitations cap (those
   * are named).
   */
  async addMembers(ctx: RequestContext, p: OpParams<'addGroupMember'>): Promise<OpResult<'addGroupMember'>> {
    const group = await requireGroup(ctx.tx, p.groupID);
    const members = new Set((await ctx.tx.groupMembers(group.groupID)).map((m) => m.userID));
    if (!members.has(ctx.userID)) throw notMembers(group.groupID, [ctx.userID]);
    const ids = [...new Set(p.userIDList)];
    await requireUsers(ctx.tx, ids);
    const fresh = ids.filter((u) => !members.has(u));
    const consent = await this.#consent(ctx, group.groupID, fresh);
    checkGroupSize(group.groupID, members.size, consent.direct.length);
    await checkGroupsPerUser(ctx.tx, consent.direct);
    const added = await ctx.tx.addMembers(group.groupID, consent.direct.map((userID) => ({ userID, role: 'Member' as const })), ctx.now);
    ctx.outbox.groupDelta(added, 'added', group);
    await this.#invite(ctx, group, consent.invite);
    return { successUserIDList: added, existedUserIDList: ids.filter((u) => members.has(u)), invitedUserIDList: invited(fresh, consent), group };
  }

  /**
   * Only the owner removes members; removed members' pending parts end (rule 9), and their
   * part in the group's calls ends at once: the members still there are told (their call
   * windows drop them) and the SFU revokes their grants.
   */
  async deleteMembers(ctx: RequestContext, p: OpParams<'deleteGroupMember'>): Promise<OpResult<'deleteGroupMember'>> {
    const group = await requireGroup(ctx.tx, p.groupID);
    if (group.ownerID !== ctx.userID) throw new RingletError(ErrorCode.NOT_GROUP_OWNER, 'not_owner', `only the owner may remove members of group ${group.groupID}`);
    if (p.userIDList.includes(ctx.userID)) throw new RingletError(ErrorCode.INVALID_PARAMETER, 'userIDList', 'userIDList: the owner cannot remove itself (use quitGroup)');
    const removed = await ctx.tx.removeMembers(group.groupID, [...new Set(p.userIDList)], ctx.now);
    for (const u of removed) await this.#signaling.memberLeft(ctx, group.groupID, u);
    ctx.outbox.groupDelta(removed, 'removed', group);
    if (removed.length > 0) {
      const rest = (await ctx.tx.groupMembers(group.groupID)).map((m) => m.userID);
      ctx.outbox.membersDeparted([...rest, ...removed], group.groupID, removed);
    }
    return { successUserIDList: removed, group };
  }

  async list({ tx, userID }: ReadContext): Promise<OpResult<'getGroupList'>> {
    return { groupList: await tx.groupsOf(userID) };
  }

  /** Groups anyone may join show their profile to anyone; the others (Private, Work) to members only. */
  async profile({ tx, userID }: ReadContext, p: OpParams<'getGroupProfile'>): Promise<OpResult<'getGroupProfile'>> {
    const group = await requireGroup(tx, p.groupID);
    if (!OPEN_TYPES.has(group.type) && !(await tx.isMember(group.groupID, userID))) throw notMembers(group.groupID, [userID]);
    return { group };
  }

  /** Members only: the member list of a group is not public. */
  async members({ tx, userID }: ReadContext, p: OpParams<'getGroupMemberList'>): Promise<OpResult<'getGroupMemberList'>> {
    const group = await requireGroup(tx, p.groupID);
    const memberList = await tx.groupMembers(group.groupID);
    if (!memberList.some((m) => m.userID === userID)) throw notMembers(group.groupID, [userID]);
    return { memberList };
  }
}

export async function requireGroup(tx: StoreTx, groupID: string): Promise<Group> {
  const group = await tx.getGroup(groupID);
  if (!group) throw groupNotFound(groupID);
  return group;
}

export function groupNotFound(groupID: string): RingletError {
  return new RingletError(ErrorCode.GROUP_NOT_FOUND, 'group_not_found', `group ${groupID} does not exist`);
}

/** 8040 `group_size` when `adding` members would take a group of `current` past the cap. */
function checkGroupSize(groupID: string, current: number, adding: number): void {
  if (adding > 0 && current + adding > LIMITS.maxGroupMembers) {
    throw limitExceeded('group_size', `group ${groupID} has ${current} members; ${adding} more would pass ${LIMITS.maxGroupMembers}`);
  }
}

/** 8040 `groups_per_user`, naming every user already in as many groups as allowed. */
async function checkGroupsPerUser(tx: StoreTx, userIDs: readonly string[]): Promise<void> {
  if (userIDs.length === 0) return;
  const counts = await tx.groupCounts(userIDs);
  const full = userIDs.filter((u) => (counts.get(u) ?? 0) >= LIMITS.maxGroupsPerUser);
  if (full.length === 0) return;
  const err = limitExceeded('groups_per_user', `already in ${LIMITS.maxGroupsPerUser} groups: ${full.join(', ')}`);
  throw new RingletError(err.code, err.reason, err.message, { userIDList: full });
}

export function notMembers(groupID: string, userIDList: string[]): RingletError {
  return new RingletError(ErrorCode.NOT_GROUP_MEMBER, 'not_group_member', `not members of group ${groupID}: ${userIDList.join(', ')}`, { userIDList });
}

/** Who was invited or dropped, in the order asked: the adder cannot tell a block from an invitation. */
function invited(asked: readonly string[], c: Consent): string[] {
  const set = new Set([...c.invite, ...c.dropped]);
  return asked.filter((u) => set.has(u));
}

function noInvitation(groupID: string): RingletError {
  return new RingletError(ErrorCode.NOT_PERMITTED, 'no_invitation', `no invitation to group ${groupID} awaits you`);
}

export async function requireUsers(tx: StoreTx, ids: readonly string[]): Promise<void> {
  const known = await tx.existingUsers(ids);
  const missing = ids.filter((u) => !known.has(u));
  if (missing.length > 0) {
    throw new RingletError(ErrorCode.USER_NOT_FOUND, 'user_not_found', `users do not exist: ${missing.join(', ')}`, { userIDList: missing });
  }
}
