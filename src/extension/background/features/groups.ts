/**
 * Groups for the popup: my groups (their names and owners go into the phone's group
 * directory) and the members a group call invites.
 */
import { sdkCall } from '../errors.ts';
import { defineFeature } from '../feature.ts';
import type { SessionChat } from '../session.ts';

/** The members of a group other than me (who a group call invites). */
async function otherMembers(chat: SessionChat, groupID: string, me: string): Promise<string[]> {
  const { data } = await sdkCall(() => chat.getGroupMemberList({ groupID }));
  return data.memberList.map((m) => m.userID).filter((u) => u !== me);
}

export const groups = defineFeature({
  name: 'groups',
  handles: {
    'groups/list': (ctx) => ctx.groups.list(ctx.chat()),
    'groups/members': (ctx, req) => otherMembers(ctx.chat(), req.groupID, ctx.me()),
  },
});
