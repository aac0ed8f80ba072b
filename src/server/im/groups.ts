/**
 * Group management (the IM calls signaling needs): create, join, quit, dismiss, add and
 * remove members, profile and member list. Membership changes tell the signaling runner,
 * which ends the affected invitations (API.md rule 9).
 */
import { randomBytes } from 'node:crypto';
import { ErrorCode, RingletError } from '../../protocol/errors.ts';
import type { Group, GroupMember } from '../../protocol/im.ts';
import type { OpParams } from '../../protocol/ops.ts';
import type { RequestContext } from '../context.ts';
import type { SignalingService } from '../signaling/service.ts';
import type { StoreTx } from '../store/types.ts';

/** Group types that anyone may join; the others need an existing member to add you. */
const OPEN_TYPES = new Set<Group['type']>(['Public', 'Meeting', 'ChatRoom']);

export class GroupService {
  readonly #signaling: SignalingService;

  constructor(signaling: SignalingService) {
    this.#signaling = signaling;
  }

  async create(ctx: RequestContext, p: OpParams<'createGroup'>): Promise<{ group: Group }> {
    const group: Group = { groupID: p.groupID ?? `grp_${randomBytes(8).toString('hex')}`, name: p.name, type: p.type ?? 'Public', ownerID: ctx.userID };
    const others = [...new Set(p.memberList ?? [])].filter((u) => u !== ctx.userID);
    await requireUsers(ctx.tx, others);
    if (!(await ctx.tx.insertGroup(group, ctx.now))) throw new RingletError(ErrorCode.GROUP_EXISTS, 'group_exists', `group ${group.groupID} already exists`);
    const members: GroupMember[] = [{ userID: ctx.userID, role: 'Owner' }, ...others.map((userID) => ({ userID, role: 'Member' as const }))];
    await ctx.tx.addMembers(group.groupID, members, ctx.now);
    await ctx.outbox.groupsChanged(members.map((m) => m.userID));
    return { group };
  }

  async join(ctx: RequestContext, p: OpParams<'joinGroup'>): Promise<{ status: 'joined' | 'already_member'; group: Group }> {
    const group = await requireGroup(ctx.tx, p.groupID);
    if (await isMember(ctx.tx, group.groupID, ctx.userID)) return { status: 'already_member', group };
    if (!OPEN_TYPES.has(group.type)) {
      throw new RingletError(ErrorCode.NOT_PERMITTED, 'join_not_allowed', `group ${group.groupID} (${group.type}) can only be joined when a member adds you`);
    }
    await ctx.tx.addMembers(group.groupID, [{ userID: ctx.userID, role: 'Member' }], ctx.now);
    await ctx.outbox.groupsChanged([ctx.userID]);
    return { status: 'joined', group };
  }

  /**
   * Leaves the group. An owner who leaves hands the group to the longest-standing member;
   * the last member leaving dismisses it.
   */
  async quit(ctx: RequestContext, p: OpParams<'quitGroup'>): Promise<{ groupID: string }> {
    const group = await requireGroup(ctx.tx, p.groupID);
    const members = await ctx.tx.groupMembers(group.groupID);
    if (!members.some((m) => m.userID === ctx.userID)) throw notMembers(group.groupID, [ctx.userID]);
    const rest = members.filter((m) => m.userID !== ctx.userID);
    if (rest.length === 0) {
      await this.#dismiss(ctx, group.groupID, members);
      return { groupID: group.groupID };
    }
    await ctx.tx.removeMembers(group.groupID, [ctx.userID]);
    if (group.ownerID === ctx.userID) await ctx.tx.setGroupOwner(group.groupID, rest[0]!.userID);
    await this.#signaling.memberLeft(ctx, group.groupID, ctx.userID);
    await ctx.outbox.groupsChanged([ctx.userID]);
    return { groupID: group.groupID };
  }

  async dismiss(ctx: RequestContext, p: OpParams<'dismissGroup'>): Promise<{ groupID: string }> {
    const group = await requireGroup(ctx.tx, p.groupID);
    if (group.ownerID !== ctx.userID) throw new RingletError(ErrorCode.NOT_GROUP_OWNER, 'not_owner', `only the owner may dismiss group ${group.groupID}`);
    await this.#dismiss(ctx, group.groupID, await ctx.tx.groupMembers(group.groupID));
    return { groupID: group.groupID };
  }

  async #dismiss(ctx: RequestContext, groupID: string, members: readonly GroupMember[]): Promise<void> {
    await this.#signaling.groupDismissed(ctx, groupID);
    await ctx.tx.deleteGroup(groupID);
    await ctx.outbox.groupsChanged(members.map((m) => m.userID));
  }

  /** Any member may add users (who must exist). */
  async addMembers(ctx: RequestContext, p: OpParams<'addGroupMember'>): Promise<{ successUserIDList: string[]; existedUserIDList: string[]; group: Group }> {
    const group = await requireGroup(ctx.tx, p.groupID);
    if (!(await isMember(ctx.tx, group.groupID, ctx.userID))) throw notMembers(group.groupID, [ctx.userID]);
    const ids = [...new Set(p.userIDList)];
    await requireUsers(ctx.tx, ids);
    const added = await ctx.tx.addMembers(group.groupID, ids.map((userID) => ({ userID, role: 'Member' as const })), ctx.now);
    await ctx.outbox.groupsChanged(added);
    return { successUserIDList: added, existedUserIDList: ids.filter((u) => !added.includes(u)), group };
  }

  /** Only the owner removes members; removed members' pending parts end (rule 9). */
  async deleteMembers(ctx: RequestContext, p: OpParams<'deleteGroupMember'>): Promise<{ successUserIDList: string[]; group: Group }> {
    const group = await requireGroup(ctx.tx, p.groupID);
    if (group.ownerID !== ctx.userID) throw new RingletError(ErrorCode.NOT_GROUP_OWNER, 'not_owner', `only the owner may remove members of group ${group.groupID}`);
    if (p.userIDList.includes(ctx.userID)) throw new RingletError(ErrorCode.INVALID_PARAMETER, 'userIDList', 'userIDList: the owner cannot remove itself (use quitGroup)');
    const removed = await ctx.tx.removeMembers(group.groupID, [...new Set(p.userIDList)]);
    for (const u of removed) await this.#signaling.memberLeft(ctx, group.groupID, u);
    await ctx.outbox.groupsChanged(removed);
    return { successUserIDList: removed, group };
  }

  async list(tx: StoreTx, userID: string): Promise<{ groupList: Group[] }> {
    return { groupList: await tx.groupsOf(userID) };
  }

  async profile(tx: StoreTx, p: OpParams<'getGroupProfile'>): Promise<{ group: Group }> {
    return { group: await requireGroup(tx, p.groupID) };
  }

  /** Members only: the member list of a group is not public. */
  async members(tx: StoreTx, userID: string, p: OpParams<'getGroupMemberList'>): Promise<{ memberList: GroupMember[] }> {
    const group = await requireGroup(tx, p.groupID);
    const memberList = await tx.groupMembers(group.groupID);
    if (!memberList.some((m) => m.userID === userID)) throw notMembers(group.groupID, [userID]);
    return { memberList };
  }
}

export async function requireGroup(tx: StoreTx, groupID: string): Promise<Group> {
  const group = await tx.getGroup(groupID);
  if (!group) throw new RingletError(ErrorCode.GROUP_NOT_FOUND, 'group_not_found', `group ${groupID} does not exist`);
  return group;
}

export async function isMember(tx: StoreTx, groupID: string, userID: string): Promise<boolean> {
  return (await tx.groupMembers(groupID)).some((m) => m.userID === userID);
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
