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

export const trust = defineFeature({
  name: 'trust',
  handles: {
    'trust/lists': (ctx) => lists(ctx.chat()),
    'trust/block': async (ctx, req) => {
      const chat = ctx.chat();
      await sdkCall(() => chat.addToBlacklist({ userIDList: [req.userID] }));
      return lists(chat);
    },
    'trust/unblock': async (ctx, req) => {
      const chat = ctx.chat();
      await sdkCall(() => chat.removeFromBlacklist({ userIDList: [req.userID] }));
      return lists(chat);
    },
    'trust/addContact': async (ctx, req) => {
      const chat = ctx.chat();
      await sdkCall(() => chat.addContact({ userID: req.userID }));
      return lists(chat);
    },
    'trust/removeContact': async (ctx, req) => {
      const chat = ctx.chat();
      await sdkCall(() => chat.removeContact({ userID: req.userID }));
      return lists(chat);
    },
    'groupInvites/list': (ctx) => groupInvitations(ctx.chat()),
    'groupInvites/accept': async (ctx, req) => {
      const chat = ctx.chat();
      await sdkCall(() => chat.acceptGroupInvitation({ groupID: req.groupID }));
      return groupInvitations(chat);
    },
    'groupInvites/decline': async (ctx, req) => {
      const chat = ctx.chat();
      await sdkCall(() => chat.declineGroupInvitation({ groupID: req.groupID }));
      return groupInvitations(chat);
    },
  },
});
