/**
 * The SDK's public surface: the seed's signaling API with its names, plus the IM calls it
 * needs. Every call returns a promise, checks its parameters with the same schemas as the
 * server (8001 early), and never throws synchronously.
 */
import { parseParams } from '../protocol/codec.ts';
import { ErrorCode, RingletError } from '../protocol/errors.ts';
import type { ConversationType, Message } from '../protocol/im.ts';
import type { Op, OpInput, OpResult, SignalingResult } from '../protocol/ops.ts';
import type { SignalingEventMap, SignalingEventName } from '../protocol/signaling.ts';
import { ID_PATTERN } from '../protocol/limits.ts';
import { Connection, type ConnectionOptions } from './connection.ts';
import { Emitter, EVENT, TYPES, type ChatEvent, type ChatEventMap, type Handler } from './events.ts';
import { GroupList } from './group-list.ts';
import { InvitationTracker } from './tracker.ts';

export interface CreateChatOptions extends Omit<ConnectionOptions, 'url'> {
  /** The server's WebSocket URL, e.g. ws://127.0.0.1:8787. */
  server: string;
}

/** Every successful call resolves with `{ code: 0, data }`. */
export interface Response<D> {
  code: 0;
  data: D;
}
/** What the signaling calls resolve with: the seed's shape, made of the contract's SignalingResult. */
export interface SignalingResponse {
  code: 0;
  inviteID: SignalingResult['inviteID'];
  /** `skippedUserIDList`: inviteInGroup's invitees left out (Ringlet addition, see SignalingResult). */
  data: Pick<SignalingResult, 'message' | 'skippedUserIDList'>;
}

type SignalingOp = 'invite' | 'inviteInGroup' | 'cancel' | 'accept' | 'reject' | 'transferCall' | 'addToCall';
/** What the method of op K resolves with: the contract's result as `{ code: 0, data }`, the seed's shape for signaling. */
export type OpResponse<K extends Op> = K extends SignalingOp ? SignalingResponse : Response<OpResult<K>>;
/**
 * One method per op of the contract, resolving with that op's result: `Chat` implements
 * it, so an op without a method, or a method that resolves with another shape, does not
 * compile. (Parameters follow the seed's call shapes, e.g. `quitGroup(groupID)`.)
 */
export type ChatOps = { [K in Op]: (...args: never[]) => Promise<OpResponse<K>> };

export type InviteOptions = OpInput<'invite'>;
export type InviteInGroupOptions = OpInput<'inviteInGroup'>;
export type ActionOptions = OpInput<'accept'>;
/** createGroup's options: members may be given as user IDs or as `{ userID }` (the seed's member objects). */
export type CreateGroupOptions = Omit<OpInput<'createGroup'>, 'memberList'> & { memberList?: Array<string | { userID: string }> };
/** A custom message ready for `sendMessage` (createCustomMessage's result). */
export interface CustomMessage extends Pick<Message, 'to' | 'conversationID' | 'type' | 'payload'> {
  conversationType: ConversationType;
}

const pick = <T extends object>(o: T, keys: readonly string[]): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  if (typeof o !== 'object' || o === null) return out;
  for (const k of keys) if ((o as Record<string, unknown>)[k] !== undefined) out[k] = (o as Record<string, unknown>)[k];
  return out;
};
const INVITE_KEYS = ['data', 'timeout', 'onlineUserOnly', 'offlinePushInfo'] as const;

export class Chat implements ChatOps {
  readonly #conn: Connection;
  readonly #events: Emitter;
  readonly #signals: Emitter;
  readonly #tracker = new InvitationTracker();
  readonly #groups = new GroupList();
  /** Users whose status this instance subscribed to: subscribed again on every reconnect (a subscription lives with its session). */
  readonly #statusSubs = new Set<string>();
  #destroyed = false;

  constructor(options: CreateChatOptions) {
    const log = (err: unknown, name: string) => console.error(`ringlet: a ${name} handler threw`, err);
    this.#events = new Emitter(log);
    this.#signals = new Emitter(log);
    const { server, ...rest } = options;
    this.#conn = new Connection({ url: server, ...rest }, {
      push: (f) => {
        if (f.signal && this.#tracker.admit(f.signal)) this.#signals.emit(f.signal.name, f.signal.data);
        if (f.message) this.#events.emit(EVENT.MESSAGE_RECEIVED, [f.message]);
      },
      groups: (f) => {
        if (this.#groups.apply(f)) this.#events.emit(EVENT.GROUP_LIST_UPDATED, this.#groups.list);
      },
      // The codec checked the frame's shape (decodeServerFrame).
      groupInvitation: (f) => this.#events.emit(EVENT.GROUP_INVITATION_RECEIVED, f.invitation satisfies ChatEventMap[typeof EVENT.GROUP_INVITATION_RECEIVED]),
      userStatus: (f) => this.#events.emit(EVENT.USER_STATUS_UPDATED, f.userStatusList satisfies ChatEventMap[typeof EVENT.USER_STATUS_UPDATED]),
      membersRemoved: (f) => this.#events.emit(EVENT.GROUP_MEMBERS_REMOVED, { groupID: f.groupID, userIDList: f.userIDList } satisfies ChatEventMap[typeof EVENT.GROUP_MEMBERS_REMOVED]),
      netState: (state) => {
        this.#events.emit(EVENT.NET_STATE_CHANGE, { state } satisfies ChatEventMap[typeof EVENT.NET_STATE_CHANGE]);
        if (state === TYPES.NET_STATE_CONNECTED) void this.#resubscribe();
      },
      kicked: (reason) => {
        const data: ChatEventMap[typeof EVENT.KICKED_OUT] = { type: reason === 'device_limit' ? TYPES.KICKED_OUT_MULT_DEVICE : TYPES.KICKED_OUT_USERSIG_EXPIRED, reason };
        this.#events.emit(EVENT.KICKED_OUT, data);
        this.#events.emit(EVENT.SDK_NOT_READY, {});
      },
      ready: () => this.#events.emit(EVENT.SDK_READY, {}),
      error: (err) => this.#events.emit(EVENT.ERROR, err.toBody() satisfies ChatEventMap[typeof EVENT.ERROR]),
    });
  }

  // ---- session

  /** Logs in; resolves once the SDK is ready (EVENT.SDK_READY follows). */
  async login(options: { userID: string; userSig: string }): Promise<Response<{ repeatLogin: boolean }>> {
    if (this.#destroyed) throw new RingletError(ErrorCode.NOT_LOGGED_IN, 'not_logged_in', 'login: this chat instance was destroyed');
    const { userID, userSig } = (options ?? {}) as { userID?: unknown; userSig?: unknown };
    if (typeof userID !== 'string' || !ID_PATTERN.test(userID)) throw new RingletError(ErrorCode.INVALID_PARAMETER, 'userID', 'login: userID must be 1-64 characters of [A-Za-z0-9_.@-]');
    if (typeof userSig !== 'string' || userSig.length === 0) throw new RingletError(ErrorCode.INVALID_PARAMETER, 'userSig', 'login: userSig must be a non-empty string');
    if (this.#conn.loggedIn && this.#conn.userID === userID) return { code: 0, data: { repeatLogin: true } };
    this.#tracker.reset();
    this.#groups.reset();
    this.#statusSubs.clear();
    await this.#conn.login(userID, userSig);
    return { code: 0, data: { repeatLogin: false } };
  }

  async logout(): Promise<Response<OpResult<'logout'>>> {
    await this.#conn.logout();
    this.#tracker.reset();
    this.#groups.reset();
    this.#events.emit(EVENT.SDK_NOT_READY, {});
    return { code: 0, data: {} };
  }

  /** Logs out if needed and drops every listener. Safe to call twice. */
  async destroy(): Promise<void> {
    this.#destroyed = true;
    this.#conn.destroy();
    this.#events.clear();
    this.#signals.clear();
  }

  /** A known event's handler gets its typed `data` (ChatEventMap). */
  on<K extends keyof ChatEventMap>(name: K, handler: (event: ChatEvent<ChatEventMap[K]>) => void): void;
  on(name: string, handler: Handler): void;
  on(name: string, handler: Handler): void {
    this.#events.on(name, handler);
  }
  off<K extends keyof ChatEventMap>(name: K, handler: (event: ChatEvent<ChatEventMap[K]>) => void): void;
  off(name: string, handler: Handler): void;
  off(name: string, handler: Handler): void {
    this.#events.off(name, handler);
  }
  /** A signaling event's handler gets its typed `data` (SignalingEventMap). */
  addSignalingListener<K extends SignalingEventName>(name: K, handler: (event: ChatEvent<SignalingEventMap[K]>) => void): void;
  addSignalingListener(name: string, handler: Handler): void;
  addSignalingListener(name: string, handler: Handler): void {
    this.#signals.on(name, handler);
  }
  removeSignalingListener<K extends SignalingEventName>(name: K, handler: (event: ChatEvent<SignalingEventMap[K]>) => void): void;
  removeSignalingListener(name: string, handler: Handler): void;
  removeSignalingListener(name: string, handler: Handler): void {
    this.#signals.off(name, handler);
  }

  // ---- signaling (seed names)

  async invite(o: InviteOptions): Promise<SignalingResponse> {
    return this.#signal('invite', pick(o, ['userID', ...INVITE_KEYS]));
  }
  async inviteInGroup(o: InviteInGroupOptions): Promise<SignalingResponse> {
    return this.#signal('inviteInGroup', pick(o, ['groupID', 'inviteeList', ...INVITE_KEYS]));
  }
  async cancel(o: ActionOptions): Promise<SignalingResponse> {
    return this.#signal('cancel', pick(o, ['inviteID', 'data']));
  }
  async accept(o: ActionOptions): Promise<SignalingResponse> {
    return this.#signal('accept', pick(o, ['inviteID', 'data']));
  }
  async reject(o: ActionOptions): Promise<SignalingResponse> {
    return this.#signal('reject', pick(o, ['inviteID', 'data']));
  }
  /** Ringlet addition: blind transfer of my running 1:1 call to `userID` (docs/API.md "Transfer and add someone"). */
  async transferCall(o: OpInput<'transferCall'>): Promise<SignalingResponse> {
    return this.#signal('transferCall', pick(o, ['inviteID', 'userID', 'timeout']));
  }
  /** Ringlet addition: rings `userID` to join my running 1:1 call. */
  async addToCall(o: OpInput<'addToCall'>): Promise<SignalingResponse> {
    return this.#signal('addToCall', pick(o, ['inviteID', 'userID', 'timeout']));
  }
  /** Tencent's name: replaces an invitation's data (Ringlet's rules: docs/API.md "modifyInvitation"). */
  async modifyInvitation(o: OpInput<'modifyInvitation'>): Promise<OpResponse<'modifyInvitation'>> {
    return this.#call('modifyInvitation', pick(o, ['inviteID', 'data']));
  }
  /** Ringlet addition: one invitation as the server keeps it now (its inviter and invitees only). */
  async getInvitation(o: OpInput<'getInvitation'>): Promise<OpResponse<'getInvitation'>> {
    return this.#call('getInvitation', pick(o, ['inviteID']));
  }
  async getPendingInvitations(): Promise<OpResponse<'getPendingInvitations'>> {
    return this.#call('getPendingInvitations', {});
  }

  // ---- groups

  async createGroup(o: CreateGroupOptions): Promise<OpResponse<'createGroup'>> {
    const params = pick(o, ['name', 'type', 'groupID', 'memberList']);
    if (Array.isArray(params.memberList)) {
      params.memberList = params.memberList.map((m: unknown) => (typeof m === 'object' && m !== null ? (m as { userID?: unknown }).userID : m));
    }
    return this.#call('createGroup', params);
  }
  async joinGroup(o: OpInput<'joinGroup'>): Promise<OpResponse<'joinGroup'>> {
    return this.#call('joinGroup', pick(o, ['groupID']));
  }
  async quitGroup(groupID: string): Promise<OpResponse<'quitGroup'>> {
    return this.#call('quitGroup', { groupID });
  }
  async dismissGroup(groupID: string): Promise<OpResponse<'dismissGroup'>> {
    return this.#call('dismissGroup', { groupID });
  }
  async addGroupMember(o: OpInput<'addGroupMember'>): Promise<OpResponse<'addGroupMember'>> {
    return this.#call('addGroupMember', pick(o, ['groupID', 'userIDList']));
  }
  async deleteGroupMember(o: OpInput<'deleteGroupMember'>): Promise<OpResponse<'deleteGroupMember'>> {
    return this.#call('deleteGroupMember', pick(o, ['groupID', 'userIDList']));
  }
  async getGroupList(): Promise<OpResponse<'getGroupList'>> {
    return this.#call('getGroupList', {});
  }
  async getGroupProfile(o: OpInput<'getGroupProfile'>): Promise<OpResponse<'getGroupProfile'>> {
    return this.#call('getGroupProfile', pick(o, ['groupID']));
  }
  async getGroupMemberList(o: OpInput<'getGroupMemberList'>): Promise<OpResponse<'getGroupMemberList'>> {
    return this.#call('getGroupMemberList', pick(o, ['groupID']));
  }

  // ---- group consent (Ringlet additions)

  /** Group invitations awaiting my consent (someone who is not my contact added me, or I had left). */
  async getGroupInvitationList(): Promise<OpResponse<'getGroupInvitationList'>> {
    return this.#call('getGroupInvitationList', {});
  }
  async acceptGroupInvitation(o: OpInput<'acceptGroupInvitation'>): Promise<OpResponse<'acceptGroupInvitation'>> {
    return this.#call('acceptGroupInvitation', pick(o, ['groupID']));
  }
  async declineGroupInvitation(o: OpInput<'declineGroupInvitation'>): Promise<OpResponse<'declineGroupInvitation'>> {
    return this.#call('declineGroupInvitation', pick(o, ['groupID']));
  }

  // ---- contacts (Ringlet additions) and blocks (Tencent's names)

  async addContact(o: OpInput<'addContact'>): Promise<OpResponse<'addContact'>> {
    return this.#call('addContact', pick(o, ['userID']));
  }
  async removeContact(o: OpInput<'removeContact'>): Promise<OpResponse<'removeContact'>> {
    return this.#call('removeContact', pick(o, ['userID']));
  }
  async getContactList(): Promise<OpResponse<'getContactList'>> {
    return this.#call('getContactList', {});
  }
  /** Blocks users: their invitations are refused without ringing and their group adds dropped. Resolves with the IDs added. */
  async addToBlacklist(o: OpInput<'addToBlacklist'>): Promise<OpResponse<'addToBlacklist'>> {
    return this.#call('addToBlacklist', pick(o, ['userIDList']));
  }
  async removeFromBlacklist(o: OpInput<'removeFromBlacklist'>): Promise<OpResponse<'removeFromBlacklist'>> {
    return this.#call('removeFromBlacklist', pick(o, ['userIDList']));
  }
  async getBlacklist(): Promise<OpResponse<'getBlacklist'>> {
    return this.#call('getBlacklist', {});
  }

  // ---- user status (Ringlet additions with Tencent's names; docs/API.md "Presence")

  /** Statuses of up to 500 users; one who does not show you theirs is USER_STATUS_UNKNOWN. */
  async getUserStatus(o: OpInput<'getUserStatus'>): Promise<OpResponse<'getUserStatus'>> {
    return this.#call('getUserStatus', pick(o, ['userIDList']));
  }
  /**
   * USER_STATUS_UPDATED follows for these users' changes. Subscriptions belong to the
   * connection: this SDK subscribes again after a reconnect and reports the statuses then.
   */
  async subscribeUserStatus(o: OpInput<'subscribeUserStatus'>): Promise<OpResponse<'subscribeUserStatus'>> {
    const res = await this.#call('subscribeUserStatus', pick(o, ['userIDList']));
    for (const u of o.userIDList) this.#statusSubs.add(u);
    return res;
  }
  /** Without `userIDList`, every subscription ends. */
  async unsubscribeUserStatus(o: OpInput<'unsubscribeUserStatus'> = {}): Promise<OpResponse<'unsubscribeUserStatus'>> {
    const res = await this.#call('unsubscribeUserStatus', pick(o ?? {}, ['userIDList']));
    if (o?.userIDList) for (const u of o.userIDList) this.#statusSubs.delete(u);
    else this.#statusSubs.clear();
    return res;
  }
  /** Sets (or with '' clears) my custom status; my sessions hear USER_STATUS_UPDATED. */
  async setSelfStatus(o: OpInput<'setSelfStatus'>): Promise<OpResponse<'setSelfStatus'>> {
    return this.#call('setSelfStatus', pick(o, ['customStatus']));
  }

  async #resubscribe(): Promise<void> {
    if (this.#statusSubs.size === 0 || !this.#conn.loggedIn) return;
    const users = [...this.#statusSubs];
    try {
      for (let i = 0; i < users.length; i += 100) await this.#call('subscribeUserStatus', { userIDList: users.slice(i, i + 100) });
      const list = [];
      for (let i = 0; i < users.length; i += 500) list.push(...(await this.#call('getUserStatus', { userIDList: users.slice(i, i + 500) })).data.successUserList);
      this.#events.emit(EVENT.USER_STATUS_UPDATED, list);
    } catch {
      /* the next reconnect tries again */
    }
  }

  // ---- messages

  async getMessageList(o: OpInput<'getMessageList'>): Promise<OpResponse<'getMessageList'>> {
    return this.#call('getMessageList', pick(o, ['conversationID', 'nextReqMessageID', 'count']));
  }
  async getConversationList(): Promise<OpResponse<'getConversationList'>> {
    return this.#call('getConversationList', {});
  }
  async setMessageRead(o: OpInput<'setMessageRead'>): Promise<OpResponse<'setMessageRead'>> {
    return this.#call('setMessageRead', pick(o, ['conversationID']));
  }

  /** A custom message ready for `sendMessage` (nothing is sent yet). */
  createCustomMessage(o: Pick<CustomMessage, 'to' | 'conversationType' | 'payload'>): CustomMessage {
    return { to: o.to, conversationType: o.conversationType, conversationID: `${o.conversationType}${o.to}`, type: 'TIMCustomElem', payload: o.payload };
  }

  /** Sends a custom message; `onlineUserOnly` messages reach online sessions only and are never stored. */
  async sendMessage(message: Pick<CustomMessage, 'conversationID' | 'payload'>, options?: Pick<OpInput<'sendMessage'>, 'onlineUserOnly'>): Promise<OpResponse<'sendMessage'>> {
    const params: Record<string, unknown> = { conversationID: message?.conversationID, payload: message?.payload };
    if (options?.onlineUserOnly !== undefined) params.onlineUserOnly = options.onlineUserOnly;
    return this.#call('sendMessage', params);
  }

  // ---- media

  /** STUN/TURN servers for RTCPeerConnection (TURN credentials are short-lived; ask per call). */
  async getIceServers(): Promise<OpResponse<'getIceServers'>> {
    return this.#call('getIceServers', {});
  }

  /**
   * Where and how to join the SFU room of a group call (a classroom or a call larger than
   * the mesh): only its inviter and the invitees who accepted it get a grant (else 8011).
   */
  async getSfuJoin(o: OpInput<'getSfuJoin'>): Promise<OpResponse<'getSfuJoin'>> {
    return this.#call('getSfuJoin', o);
  }

  /**
   * What this server offers beyond the seed (Ringlet's addition): `{ sfu, meshLimit }`,
   * e.g. whether group calls larger than the mesh and classrooms can run on an SFU.
   */
  async getCapabilities(): Promise<OpResponse<'getCapabilities'>> {
    return this.#call('getCapabilities', {});
  }

  // ---- plumbing

  async #signal(op: SignalingOp, params: object): Promise<SignalingResponse> {
    const { data } = await this.#call(op, params);
    const out: SignalingResponse = { code: 0, inviteID: data.inviteID, data: { message: data.message } };
    if (data.skippedUserIDList) out.data.skippedUserIDList = data.skippedUserIDList;
    return out;
  }

  async #call<K extends Op>(op: K, params: object): Promise<Response<OpResult<K>>> {
    if (!this.#conn.loggedIn) throw new RingletError(ErrorCode.NOT_LOGGED_IN, 'not_logged_in', `${op}: call login first and wait for it to resolve`);
    const data = await this.#conn.request(op, parseParams(op, params));
    return { code: 0, data };
  }
}
