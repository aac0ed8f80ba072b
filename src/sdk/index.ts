/**
 * Ringlet SDK: call signaling over IM, with the seed's API names.
 *
 *   const chat = createChat({ server: 'ws://127.0.0.1:8787' });
 *   chat.addSignalingListener(TSignaling.NEW_INVITATION_RECEIVED, ({ data }) => …);
 *   await chat.login({ userID: 'alice', userSig });
 *   const { inviteID } = await chat.invite({ userID: 'bob', data: JSON.stringify({ roomID }) });
 */
import { Chat, type CreateChatOptions } from './chat.ts';

export { Chat } from './chat.ts';
export type { CreateChatOptions, InviteOptions, InviteInGroupOptions, ActionOptions, CreateGroupOptions, CustomMessage, Response, SignalingResponse, ChatOps, OpResponse } from './chat.ts';
export type { Op, OpInput, OpResult, SignalingResult } from '../protocol/ops.ts';
export { EVENT, TYPES, type ChatEvent, type ChatEventMap, type Handler, type KickedOutType, type NetState } from './events.ts';
export { TSignaling, ActionType, parseSignalingPayload } from '../protocol/signaling.ts';
export type * from '../protocol/signaling.ts';
export type { Message, Conversation, Group, GroupInvitation, GroupMember } from '../protocol/im.ts';
export { USER_STATUS, CUSTOM_STATUS, presenceOf, type UserStatus, type UserStatusType, type PresenceState } from '../protocol/presence.ts';
export { ErrorCode, RingletError } from '../protocol/errors.ts';

/** Creates a client. Nothing connects until `login`. */
export function createChat(options: CreateChatOptions): Chat {
  return new Chat(options);
}
