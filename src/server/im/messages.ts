/** Message history, conversations with unread counts, and custom messages. */
import { ErrorCode, RingletError } from '../../protocol/errors.ts';
import type { Conversation, Message } from '../../protocol/im.ts';
import { LIMITS } from '../../protocol/limits.ts';
import type { OpParams } from '../../protocol/ops.ts';
import { parseSignalingPayload } from '../../protocol/signaling.ts';
import type { RequestContext } from '../context.ts';
import type { StoreTx } from '../store/types.ts';
import { conversationIDFor, keyOf, messageView } from './conversations.ts';
import { notMembers, requireGroup } from './groups.ts';

export class MessageService {
  /** A page of history, oldest first; the first call returns the newest page. */
  async list(tx: StoreTx, userID: string, p: OpParams<'getMessageList'>): Promise<{ messageList: Message[]; nextReqMessageID: string; isCompleted: boolean }> {
    const conv = await this.#resolve(tx, userID, p.conversationID);
    const count = p.count ?? LIMITS.defaultPageSize;
    const before = p.nextReqMessageID === undefined ? null : Number(p.nextReqMessageID);
    const rows = await tx.listMessages(conv.key, before, count + 1);
    const isCompleted = rows.length <= count;
    const page = isCompleted ? rows : rows.slice(1);
    return {
      messageList: page.map((m) => messageView(userID, m)),
      nextReqMessageID: page.length > 0 ? String(page[0]!.id) : '',
      isCompleted,
    };
  }

  async conversations(tx: StoreTx, userID: string): Promise<{ conversationList: Conversation[] }> {
    const rows = await tx.listConversations(userID);
    const messages = new Map((await tx.getMessages(rows.map((r) => r.lastMessageID))).map((m) => [m.id, m]));
    return {
      conversationList: rows.map((r) => {
        const last = messages.get(r.lastMessageID);
        return {
          conversationID: r.conversationID,
          type: r.conversationID.startsWith('GROUP') ? 'GROUP' : 'C2C',
          unreadCount: r.unread,
          lastMessage: last ? messageView(userID, last) : null,
        };
      }),
    };
  }

  async markRead(ctx: RequestContext, p: OpParams<'setMessageRead'>): Promise<Record<string, never>> {
    await ctx.tx.markRead(ctx.userID, p.conversationID);
    return {};
  }

  /**
   * Sends a custom message to a user or group. Signaling JSON cannot be sent this way:
   * history of calls is written only by the signaling authority.
   */
  async send(ctx: RequestContext, p: OpParams<'sendMessage'>): Promise<{ message: Message }> {
    if (parseSignalingPayload(p.payload.data)) {
      throw new RingletError(ErrorCode.INVALID_PARAMETER, 'payload', 'payload: signaling messages (businessID 1) are sent with invite/accept/reject/cancel');
    }
    const conv = await this.#resolve(ctx.tx, ctx.userID, p.conversationID);
    let recipients: string[];
    let to: string;
    if (conv.type === 'C2C') {
      if (conv.peer === ctx.userID) throw new RingletError(ErrorCode.INVALID_PARAMETER, 'conversationID', 'conversationID: cannot message yourself');
      const known = await ctx.tx.existingUsers([conv.peer]);
      if (!known.has(conv.peer)) throw new RingletError(ErrorCode.USER_NOT_FOUND, 'user_not_found', `user ${conv.peer} does not exist`);
      recipients = [ctx.userID, conv.peer];
      to = conv.peer;
    } else {
      recipients = (await ctx.tx.groupMembers(conv.groupID)).map((m) => m.userID);
      to = conv.groupID;
    }
    const stored = !(p.onlineUserOnly ?? false);
    const base = { convKey: conv.key, from: ctx.userID, to, time: ctx.now, payload: p.payload };
    const id = stored ? await ctx.tx.insertMessage(base) : 0;
    if (stored) {
      // Sorted: concurrent transactions lock conversation rows in one order (no deadlock on PostgreSQL).
      await ctx.tx.bumpConversations(recipients.map((u) => ({ userID: u, conversationID: messageView(u, { ...base, id }).conversationID, unreadDelta: u === ctx.userID ? 0 : 1 })), id, ctx.now);
    }
    const view = (u: string): Message => {
      const m = messageView(u, { ...base, id });
      return stored ? m : { ...m, ID: `online-${ctx.sessionID}-${ctx.now}`, onlineUserOnly: true };
    };
    await ctx.outbox.push(recipients, (u) => ({ message: view(u) }), { stored, exceptSession: ctx.sessionID, viewKey: (u) => conversationIDFor(u, base) });
    return { message: view(ctx.userID) };
  }

  /** The conversation's store key; group history is for members only. */
  async #resolve(tx: StoreTx, userID: string, conversationID: string) {
    const conv = keyOf(userID, conversationID);
    if (!conv) throw new RingletError(ErrorCode.INVALID_PARAMETER, 'conversationID', `conversationID: "${conversationID}" is neither C2C… nor GROUP…`);
    // Members read a group's history; so do former members who hold the conversation
    // (what happened to the calls of a group that was dismissed stays visible to them).
    if (conv.type === 'GROUP' && !(await tx.hasConversation(userID, conversationID))) {
      await requireGroup(tx, conv.groupID);
      if (!(await tx.groupMembers(conv.groupID)).some((m) => m.userID === userID)) throw notMembers(conv.groupID, [userID]);
    }
    return conv;
  }
}
