/**
 * Group management (the IM calls signaling needs): create, join, quit, dismiss, add and
 * remove members, profile and member list. Membership changes tell the signaling runner,
 * which ends the affected invitations (API.md rule 9).
 */
import { randomBytes } from 'node:crypto';
import { ErrorCode, limitExceeded, RingletError } from '../../protocol/errors.ts';
import type { Group, GroupMember } from '../../protocol/im.ts';
import { LIMITS } from '../../protocol/limits.ts';
import type { OpParams, OpResult } from '../../protocol/ops.ts';
import type { ReadContext, RequestContext } from '../context.ts';
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
export class GroupService {
  readonly #signaling: SignalingService;

  constructor(signaling: SignalingService) {
    this.#signaling = signaling;
  }

  async create(ctx: RequestContext, p: OpParams<'createGroup'>): Promise<OpResult<'createGroup'>> {
    const group: Group = { groupID: p.groupID ?? `grp_${randomBytes(8).toString('hex')}`, name: p.name, type: p.type ?? 'Public', ownerID: ctx.userID };
    const others = [...new Set(p.memberList ?? [])].filter((u) => u !== ctx.userID);
    checkGroupSize(group.groupID, 0, 1 + others.length);
    await requireUsers(ctx.tx, others);
    // A dismissed group's row stays as a tombstone, so its ID is refused here too.
    if (!(await ctx.tx.insertGroup(group, ctx.now))) throw new RingletError(ErrorCode.GROUP_EXISTS, 'group_exists', `group ${group.groupID} already exists or existed (IDs are never reused)`);
    await checkGroupsPerUser(ctx.tx, [ctx.userID, ...others]);
    const members: GroupMember[] = [{ userID: ctx.userID, role: 'Owner' }, ...others.map((userID) => ({ userID, role: 'Member' as const }))];
    await ctx.tx.addMembers(group.groupID, members, ctx.now);
    ctx.outbox.groupDelta(members.map((m) => m.userID), 'added', group);
    return { group };
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
   * Any member may add users (who must exist). The call fails whole when the group would
   * pass its size or one of the new members its groups-per-user cap (those are named).
   */
  async addMembers(ctx: RequestContext, p: OpParams<'addGroupMember'>): Promise<OpResult<'addGroupMember'>> {
    const group = await requireGroup(ctx.tx, p.groupID);
    const members = new Set((await ctx.tx.groupMembers(group.groupID)).map((m) => m.userID));
    if (!members.has(ctx.userID)) throw notMembers(group.groupID, [ctx.userID]);
    const ids = [...new Set(p.userIDList)];
    await requireUsers(ctx.tx, ids);
    const fresh = ids.filter((u) => !members.has(u));
    checkGroupSize(group.groupID, members.size, fresh.length);
    await checkGroupsPerUser(ctx.tx, fresh);
    const added = await ctx.tx.addMembers(group.groupID, fresh.map((userID) => ({ userID, role: 'Member' as const })), ctx.now);
    ctx.outbox.groupDelta(added, 'added', group);
    return { successUserIDList: added, existedUserIDList: ids.filter((u) => !added.includes(u)), group };
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

async function requireUsers(tx: StoreTx, ids: readonly string[]): Promise<void> {
  const known = await tx.existingUsers(ids);
  const missing = ids.filter((u) => !known.has(u));
  if (missing.length > 0) {
    throw new RingletError(ErrorCode.USER_NOT_FOUND, 'user_not_found', `users do not exist: ${missing.join(', ')}`, { userIDList: missing });
  }
}
