/**
 * The migration entry (`@ringlet/sdk/tencent`): the shape of Tencent Cloud Chat's web SDK
 * for its signaling subset, so that an app written against it switches to Ringlet by
 * changing its import and its server address:
 *
 *   import TencentCloudChat from '@ringlet/sdk/tencent';     // was '@tencentcloud/chat'
 *   const chat = TencentCloudChat.create({ SDKAppID: 0, proxyServer: 'wss://ringlet.example' });
 *   chat.addSignalingListener(TencentCloudChat.TSignaling.NEW_INVITATION_RECEIVED, onInvite);
 *   chat.on(TencentCloudChat.EVENT.SDK_READY, onReady);
 *   await chat.login({ userID, userSig });                    // a Ringlet UserSig
 *   await chat.invite({ userID: 'bob', data, timeout: 30 });   // inviteInGroup, cancel, accept, reject
 *
 * The chat it creates is Ringlet's Chat (every call and event of docs/API.md) plus
 * Tencent's `getSignalingInfo`. The constants carry Tencent's values for what Ringlet has.
 */
import { Chat, type CreateChatOptions } from './chat.ts';
import { EVENT as CHAT_EVENT, TYPES as CHAT_TYPES } from './events.ts';
import { ErrorCode, RingletError } from '../protocol/errors.ts';
import type { Message } from '../protocol/im.ts';
import { ActionType, parseSignalingPayload, TSignaling as SIGNALING_EVENTS, type SignalingPayload } from '../protocol/signaling.ts';

export interface CreateOptions extends Omit<CreateChatOptions, 'server'> {
  /** Accepted for compatibility and not used: a Ringlet server serves one application. */
  SDKAppID: number;
  /** The Ringlet server's WebSocket URL (Tencent's name for the address the SDK connects to). */
  proxyServer?: string;
  /** The same, under the Ringlet SDK's name; one of the two is required. */
  server?: string;
}

/** Event names of `chat.on`: Tencent's values (Ringlet's EVENT). */
export const EVENT = CHAT_EVENT;

/** Tencent's TYPES that Ringlet uses, with Tencent's values (a group's `type` among them). */
export const TYPES = {
  NET_STATE_CONNECTED: CHAT_TYPES.NET_STATE_CONNECTED,
  NET_STATE_CONNECTING: CHAT_TYPES.NET_STATE_CONNECTING,
  NET_STATE_DISCONNECTED: CHAT_TYPES.NET_STATE_DISCONNECTED,
  KICKED_OUT_USERSIG_EXPIRED: CHAT_TYPES.KICKED_OUT_USERSIG_EXPIRED,
  KICKED_OUT_MULT_DEVICE: CHAT_TYPES.KICKED_OUT_MULT_DEVICE,
  CONV_C2C: CHAT_TYPES.CONV_C2C,
  CONV_GROUP: CHAT_TYPES.CONV_GROUP,
  MSG_CUSTOM: CHAT_TYPES.MSG_CUSTOM,
  GRP_PUBLIC: CHAT_TYPES.GRP_PUBLIC,
  /** Tencent's work group is the type 'Private'. */
  GRP_WORK: CHAT_TYPES.GRP_PRIVATE,
  /** Tencent's meeting group is the type 'ChatRoom'. */
  GRP_MEETING: CHAT_TYPES.GRP_CHATROOM,
  GRP_MBR_ROLE_OWNER: 'Owner',
  GRP_MBR_ROLE_MEMBER: 'Member',
} as const;

/** Signaling event names and the history's action types, as Tencent names them. */
export const TSignaling = {
  ...SIGNALING_EVENTS,
  ACTION_TYPE_UNKNOWN: 0,
  ACTION_TYPE_INVITE: ActionType.INVITE,
  ACTION_TYPE_CANCEL_INVITE: ActionType.CANCEL,
  ACTION_TYPE_ACCEPT_INVITE: ActionType.ACCEPT,
  ACTION_TYPE_REJECT_INVITE: ActionType.REJECT,
  ACTION_TYPE_INVITE_TIMEOUT: ActionType.TIMEOUT,
} as const;

/** Ringlet's Chat with Tencent's name for reading a history message as signaling. */
export class TencentChat extends Chat {
  /** The signaling a history message carries (`inviteID`, `inviter`, `actionType`, …), or null if it is another message. */
  getSignalingInfo(message: Pick<Message, 'type' | 'payload'>): SignalingPayload | null {
    if (message?.type !== CHAT_TYPES.MSG_CUSTOM || typeof message.payload?.data !== 'string') return null;
    return parseSignalingPayload(message.payload.data);
  }
}

/** Creates a chat for the Ringlet server at `proxyServer` (or `server`); nothing connects until `login`. */
export function create(options: CreateOptions): TencentChat {
  const { SDKAppID: _appID, proxyServer, server, ...rest } = options ?? ({} as CreateOptions);
  const url = server ?? proxyServer;
  if (typeof url !== 'string' || !/^wss?:\/\//.test(url)) {
    throw new RingletError(ErrorCode.INVALID_PARAMETER, 'proxyServer', "create: give the Ringlet server's address as proxyServer (or server), e.g. wss://ringlet.example");
  }
  return new TencentChat({ ...rest, server: url });
}

/** Tencent's namespace object: `TencentCloudChat.create(…)`, `.EVENT`, `.TYPES`, `.TSignaling`. */
const TencentCloudChat = { create, EVENT, TYPES, TSignaling };
export default TencentCloudChat;
