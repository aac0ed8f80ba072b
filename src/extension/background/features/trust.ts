/**
 * Contacts, blocks and group consent for the views (issue 17): the lists as the server keeps
 * them (nothing is cached here, so a change on another device shows at once), blocking a
 * caller (the popup's ringing card rejects the call first), and the group invitations that
 * await my consent.
 */
import type { TrustLists } from '../../shared/schema.ts';
import { sdkCall } from '../errors.ts';
import { defineFeature } from '../feature.ts';
import type { SessionChat } from '../session.ts';

async function lists(chat: SessionChat): Promise<TrustLists> {
  const [contacts, blocked] = await Promise.all([sdkCall(() => chat.getContactList()), sdkCall(() => chat.getBlacklist())]);
  return { contacts: contacts.data.contactList, blocked: blocked.data };
}

async function groupInvitations(chat: SessionChat) {
  return (await sdkCall(() => chat.getGroupInvitationList())).data.invitationList;
}

/** Runs one change through the SDK, then answers the lists as they are now. */
async function changed(chat: SessionChat, change: (chat: SessionChat) => Promise<unknown>): Promise<TrustLists> {
  await sdkCall(() => change(chat));
  return lists(chat);
}

/** Answers one group invitation, then the invitations still waiting. */
async function answered(chat: SessionChat, answer: (chat: SessionChat) => Promise<unknown>) {
  await sdkCall(() => answer(chat));
  return groupInvitations(chat);
}

export const trust = defineFeature({
  name: 'trust',
  handles: {
    'trust/lists': (ctx) => lists(ctx.chat()),
    'trust/block': (ctx, req) => changed(ctx.chat(), (c) => c.addToBlacklist({ userIDList: [req.userID] })),
    'trust/unblock': (ctx, req) => changed(ctx.chat(), (c) => c.removeFromBlacklist({ userIDList: [req.userID] })),
    'trust/addContact': (ctx, req) => changed(ctx.chat(), (c) => c.addContact({ userID: req.userID })),
    'trust/removeContact': (ctx, req) => changed(ctx.chat(), (c) => c.removeContact({ userID: req.userID })),
    'groupInvites/list': (ctx) => groupInvitations(ctx.chat()),
    'groupInvites/accept': (ctx, req) => answered(ctx.chat(), (c) => c.acceptGroupInvitation({ groupID: req.groupID })),
    'groupInvites/decline': (ctx, req) => answered(ctx.chat(), (c) => c.declineGroupInvitation({ groupID: req.groupID })),
  },
});
