/** IM event names and types, with the values of the published SDK. */
import type { ErrorBody } from '../protocol/errors.ts';
import type { Group, GroupInvitation, Message } from '../protocol/im.ts';
import { USER_STATUS, type UserStatus } from '../protocol/presence.ts';

export const EVENT = {
  SDK_READY: 'sdkStateReady',
  SDK_NOT_READY: 'sdkStateNotReady',
  MESSAGE_RECEIVED: 'onMessageReceived',
  CONVERSATION_LIST_UPDATED: 'onConversationListUpdated',
  GROUP_LIST_UPDATED: 'onGroupListUpdated',
  /** Ringlet addition: members left one of my groups (removed, quit, or it was dismissed); their calls in it end. */
  GROUP_MEMBERS_REMOVED: 'onGroupMembersRemoved',
  /** Ringlet addition: someone asked me to join a group; accept or decline it (acceptGroupInvitation, declineGroupInvitation). */
  GROUP_INVITATION_RECEIVED: 'onGroupInvitationReceived',
  /** Ringlet addition with Tencent's name: statuses of users I subscribed to (or my own) changed; `data` is UserStatus[]. */
  USER_STATUS_UPDATED: 'onUserStatusUpdated',
  KICKED_OUT: 'kickedOut',
  NET_STATE_CHANGE: 'netStateChange',
  ERROR: 'error',
} as const;

export const TYPES = {
  NET_STATE_CONNECTED: 'connected',
  NET_STATE_CONNECTING: 'connecting',
  NET_STATE_DISCONNECTED: 'disconnected',
  KICKED_OUT_USERSIG_EXPIRED: 'userSigExpired',
  KICKED_OUT_MULT_DEVICE: 'multipleDevice',
  CONV_C2C: 'C2C',
  CONV_GROUP: 'GROUP',
  MSG_CUSTOM: 'TIMCustomElem',
  GRP_PUBLIC: 'Public',
  GRP_PRIVATE: 'Private',
  GRP_WORK: 'Work',
  GRP_MEETING: 'Meeting',
  GRP_CHATROOM: 'ChatRoom',
  USER_STATUS_UNKNOWN: USER_STATUS.UNKNOWN,
  USER_STATUS_ONLINE: USER_STATUS.ONLINE,
  USER_STATUS_OFFLINE: USER_STATUS.OFFLINE,
  USER_STATUS_UNLOGINED: USER_STATUS.UNLOGINED,
} as const;

/** Values of `NET_STATE_CHANGE`'s `state`. */
export type NetState = (typeof TYPES)['NET_STATE_CONNECTED' | 'NET_STATE_CONNECTING' | 'NET_STATE_DISCONNECTED'];
/** Values of `KICKED_OUT`'s `type`. */
export type KickedOutType = (typeof TYPES)['KICKED_OUT_USERSIG_EXPIRED' | 'KICKED_OUT_MULT_DEVICE'];

/** The `data` of each IM event, by name. */
export interface ChatEventMap {
  [EVENT.SDK_READY]: Record<string, never>;
  [EVENT.SDK_NOT_READY]: Record<string, never>;
  [EVENT.MESSAGE_RECEIVED]: Message[];
  [EVENT.GROUP_LIST_UPDATED]: Group[];
  [EVENT.GROUP_MEMBERS_REMOVED]: { groupID: string; userIDList: string[] };
  [EVENT.GROUP_INVITATION_RECEIVED]: GroupInvitation;
  [EVENT.USER_STATUS_UPDATED]: UserStatus[];
  /** `reason` is the server's (`user_sig_expired`, `device_limit`). */
  [EVENT.KICKED_OUT]: { type: KickedOutType; reason: string };
  [EVENT.NET_STATE_CHANGE]: { state: NetState };
  /** The server sent a frame this SDK cannot read (2802 `bad_frame`): it was dropped, the session goes on. */
  [EVENT.ERROR]: ErrorBody;
}

/** Every handler receives `{ name, data }`. */
export interface ChatEvent<D = unknown> {
  name: string;
  data: D;
}
export type Handler<D = unknown> = (event: ChatEvent<D>) => void;

/** A small emitter that never lets one handler's exception reach another or the SDK. */
export class Emitter {
  readonly #handlers = new Map<string, Set<Handler>>();
  readonly #onError: (err: unknown, name: string) => void;

  constructor(onError: (err: unknown, name: string) => void) {
    this.#onError = onError;
  }

  on(name: string, handler: Handler): void {
    let set = this.#handlers.get(name);
    if (!set) this.#handlers.set(name, (set = new Set()));
    set.add(handler);
  }

  off(name: string, handler: Handler): void {
    this.#handlers.get(name)?.delete(handler);
  }

  emit(name: string, data: unknown): void {
    const set = this.#handlers.get(name);
    if (!set) return;
    for (const h of [...set]) {
      try {
        h({ name, data });
      } catch (err) {
        this.#onError(err, name);
      }
    }
  }

  clear(): void {
    this.#handlers.clear();
  }
}
