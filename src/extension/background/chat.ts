/**
 * The part of the Ringlet SDK (API.md) the worker uses. The worker depends on this
 * interface, not on the SDK module, so unit tests in WXT's fake browser can drive it
 * with a small in-memory fake while the build and the end-to-end tests use the real
 * `createChat` from src/sdk.
 */
import type { Invitation } from './calls.ts';
import { TSignaling, type OfflinePushInfo as PushInfo } from '../../protocol/signaling.ts';
import type { ServerCapabilities } from '../../protocol/sfu.ts';

export interface SdkResponse<T> {
  code: number;
  data: T;
}
export interface SignalResponse {
  code: number;
  inviteID: string;
}
export interface SdkEvent<T = unknown> {
  name: string;
  data: T;
}
export type Handler = (event: SdkEvent<any>) => void;

export interface InviteOptions {
  data?: string;
  timeout?: number;
  onlineUserOnly?: boolean;
  offlinePushInfo?: PushInfo;
}

export interface SdkGroup {
  groupID: string;
  name: string;
  type?: string;
  ownerID?: string;
}
export interface SdkMessage {
  ID: string;
  conversationID: string;
  from: string;
  to: string;
  time: number;
  type: string;
  payload: { data?: string };
}
export interface SdkConversation {
  conversationID: string;
  unreadCount: number;
  lastMessage?: SdkMessage | null;
}

export interface ChatLike {
  login(o: { userID: string; userSig: string }): Promise<unknown>;
  logout(): Promise<unknown>;
  destroy(): Promise<unknown>;
  on(name: string, handler: Handler): void;
  off(name: string, handler: Handler): void;
  addSignalingListener(name: string, handler: Handler): void;
  removeSignalingListener(name: string, handler: Handler): void;
  invite(o: InviteOptions & { userID: string }): Promise<SignalResponse>;
  inviteInGroup(o: InviteOptions & { groupID: string; inviteeList: string[] }): Promise<SignalResponse>;
  cancel(o: { inviteID: string; data?: string }): Promise<SignalResponse>;
  accept(o: { inviteID: string; data?: string }): Promise<SignalResponse>;
  reject(o: { inviteID: string; data?: string }): Promise<SignalResponse>;
  getPendingInvitations(): Promise<SdkResponse<{ invitationList: Invitation[] }>>;
  getGroupList(): Promise<SdkResponse<{ groupList: SdkGroup[] }>>;
  getGroupProfile(o: { groupID: string }): Promise<SdkResponse<{ group: SdkGroup }>>;
  getGroupMemberList(o: { groupID: string }): Promise<SdkResponse<{ memberList: Array<{ userID: string; role: string }> }>>;
  /** What the server offers beyond the seed (API.md getCapabilities; absent in other SDKs: mesh only). */
  getCapabilities?(): Promise<SdkResponse<Partial<ServerCapabilities>>>;
  getConversationList(): Promise<SdkResponse<{ conversationList: SdkConversation[] }>>;
  getMessageList(o: { conversationID: string; nextReqMessageID?: string; count?: number }): Promise<
    SdkResponse<{ messageList: SdkMessage[]; nextReqMessageID?: string; isCompleted: boolean }>
  >;
}

export type CreateChat = (o: { server: string }) => ChatLike;

/** Signaling event names (API.md), from the dependency-free protocol module so tests need not load the SDK. */
export const SIGNAL = TSignaling;

/** Error shape of every SDK rejection (API.md, Errors). */
export function errorCode(e: unknown): number | string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e ? (e as { code: number | string }).code : undefined;
}
