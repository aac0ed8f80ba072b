/** Message history, conversations with unread counts, and custom messages. */
import { ErrorCode, RingletError } from '../../protocol/errors.ts';
import type { Conversation, Message } from '../../protocol/im.ts';
import { LIMITS } from '../../protocol/limits.ts';
import type { OpParams, OpResult } from '../../protocol/ops.ts';
import { parseSignalingPayload } from '../../protocol/signaling.ts';
import type { ReadContext, RequestContext } from '../context.ts';
import type { StoreTx } from '../store/types.ts';
import { conversationIDFor, keyOf, messageView } from './conversations.ts';
import { groupNotFound, notMembers, requireGroup } from './groups.ts';

export class MessageService {
  /** A page of history, oldest first; the first call returns the newest page. */
  async list({ tx, userID }: ReadContext, p: OpParams<'getMessageList'>): Promise<OpResult<'getMessageList'>> {
    const { conv, upTo } = await this.#readable(tx, userID, p.conversationID);
    const count = p.count ?? LIMITS.defaultPageSize;
    const asked = p.nextReqMessageID === undefined ? null : Number(p.nextReqMessageID);
    // A former member's pages end at the last message of its membership.
    const before = upTo === null ? asked : Math.min(asked ?? Infinity, upTo + 1);
    const rows = await tx.listMessages(conv.key, before, count + 1);
    const isCompleted = rows.length <= count;
    const page = isCompleted ? rows : rows.slice(1);
    return {
      messageList: page.map((m) => messageView(userID, m)),
      nextReqMessageID: page.length > 0 ? String(page[0]!.id) : '',
      isCompleted,
    };
  }

  async conversations({ tx, userID }: ReadContext): Promise<OpResult<'getConversationList'>> {
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

  async markRead(ctx: RequestContext, p: OpParams<'setMessageRead'>): Promise<OpResult<'setMessageRead'>> {
    await ctx.tx.markRead(ctx.userID, p.conversationID);
    return {};
  }

  /**
   * Sends a custom message to a user or group. Signaling JSON cannot be sent this way:
   * history of calls is written only by the signaling authority.
   */
  async send(ctx: RequestContext, p: OpParams<'sendMessage'>): Promise<OpResult<'sendMessage'>> {
    if (parseSignalingPayload(p.payload.data)) {
      throw new RingletError(ErrorCode.INVALID_PARAMETER, 'payload', 'payload: signaling messages (businessID 1) are sent with invite/accept/reject/cancel');
    }
    const conv = this.#parse(ctx.userID, p.conversationID);
    let recipients: string[];
    let to: string;
    if (conv.type === 'C2C') {
      if (conv.peer === ctx.userID) throw new RingletError(ErrorCode.INVALID_PARAMETER, 'conversationID', 'conversationID: cannot message yourself');
      const known = await ctx.tx.existingUsers([conv.peer]);
      if (!known.has(conv.peer)) throw new RingletError(ErrorCode.USER_NOT_FOUND, 'user_not_found', `user ${conv.peer} does not exist`);
      recipients = [ctx.userID, conv.peer];
      to = conv.peer;
    } else {
      // Current members only, checked under the group row's lock (getGroup), so a removal
      // and a send of the same group are ordered: a removed member can no longer post.
      await requireGroup(ctx.tx, conv.groupID);
      recipients = (await ctx.tx.groupMembers(conv.groupID)).map((m) => m.userID);
      if (!recipients.includes(ctx.userID)) throw notMembers(conv.groupID, [ctx.userID]);
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

  #parse(userID: string, conversationID: string): NonNullable<ReturnType<typeof keyOf>> {
    const conv = keyOf(userID, conversationID);
    if (!conv) throw new RingletError(ErrorCode.INVALID_PARAMETER, 'conversationID', `conversationID: "${conversationID}" is neither C2C… nor GROUP…`);
    return conv;
  }

  /**
   * Who reads a group's history: its current members, all of it; a former member (left,
   * removed, or the group was dismissed), up to the last message before it left (`upTo`);
   * nobody else (8003 for a group that does not exist, 8004 for a non-member).
   */
  async #readable(tx: StoreTx, userID: string, conversationID: string): Promise<{ conv: NonNullable<ReturnType<typeof keyOf>>; upTo: number | null }> {
    const conv = this.#parse(userID, conversationID);
    if (conv.type !== 'GROUP') return { conv, upTo: null };
    const group = await tx.getGroup(conv.groupID);
    if (group && (await tx.isMember(conv.groupID, userID))) return { conv, upTo: null };
    const upTo = await tx.formerMemberBound(conv.groupID, userID);
    if (upTo !== null) return { conv, upTo };
    throw group ? notMembers(conv.groupID, [userID]) : groupNotFound(conv.groupID);
  }
}
