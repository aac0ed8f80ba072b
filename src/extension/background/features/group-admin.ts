/**
 * Managing groups from the popup (ui/popup/groups): create one, join one by its ID, add
 * and remove members, leave, dismiss, and read the members with their roles. Each is the
 * SDK's own group op; the server checks it against the signed-in user and the group's
 * current membership, and its refusals reach the popup as sentences (errors.ts).
 */
import type { Group } from '../../../protocol/im.ts';
import { sdkCall } from '../errors.ts';
import { defineFeature } from '../feature.ts';
import type { PhoneContext } from '../phone-context.ts';
import type { RequestOf } from '../../shared/schema.ts';

async function create(ctx: PhoneContext, req: RequestOf<'groups/create'>): Promise<Group> {
  const chat = ctx.chat();
  const memberList = [...new Set(req.memberList)].filter((u) => u !== ctx.me());
  const { data } = await sdkCall(() => chat.createGroup({ name: req.name, type: req.groupType, ...(memberList.length ? { memberList } : {}) }));
  await ctx.groups.list(chat); // the directory learns the new group's name and owner
  return data.group;
}

async function join(ctx: PhoneContext, groupID: string): Promise<Group> {
  const chat = ctx.chat();
  const { data } = await sdkCall(() => chat.joinGroup({ groupID }));
  await ctx.groups.list(chat);
  return data.group;
}

async function add(ctx: PhoneContext, groupID: string, userIDList: string[]): Promise<{ added: string[]; existed: string[] }> {
  const chat = ctx.chat();
  const { data } = await sdkCall(() => chat.addGroupMember({ groupID, userIDList }));
  return { added: data.successUserIDList, existed: data.existedUserIDList };
}

async function remove(ctx: PhoneContext, groupID: string, userIDList: string[]): Promise<string[]> {
  const chat = ctx.chat();
  const { data } = await sdkCall(() => chat.deleteGroupMember({ groupID, userIDList }));
  return data.successUserIDList;
}

/** Leaving (quitGroup) or dismissing (owner only): my groups afterwards. */
async function depart(ctx: PhoneContext, groupID: string, how: 'leave' | 'dismiss'): Promise<Group[]> {
  const chat = ctx.chat();
  await sdkCall(() => (how === 'leave' ? chat.quitGroup(groupID) : chat.dismissGroup(groupID)));
  return ctx.groups.list(chat);
}

export const groupAdmin = defineFeature({
  name: 'group-admin',
  handles: {
    'groups/create': (ctx, req) => create(ctx, req),
    'groups/join': (ctx, req) => join(ctx, req.groupID),
    'groups/roster': async (ctx, req) => (await sdkCall(() => ctx.chat().getGroupMemberList({ groupID: req.groupID }))).data.memberList,
    'groups/add': (ctx, req) => add(ctx, req.groupID, req.userIDList),
    'groups/remove': (ctx, req) => remove(ctx, req.groupID, req.userIDList),
    'groups/leave': (ctx, req) => depart(ctx, req.groupID, 'leave'),
    'groups/dismiss': (ctx, req) => depart(ctx, req.groupID, 'dismiss'),
  },
});
