/**
 * A tiny in-memory stand-in for the SDK surface the worker uses (ChatLike), for unit
 * tests in the fake browser where the real SDK has no server to talk to. It records the
 * calls made and lets a test emit SDK events; `pending` is what getPendingInvitations
 * answers.
 */
import type { ChatLike, Handler, InviteOptions, SdkMessage } from '../../src/extension/background/chat.ts';
import type { Invitation } from '../../src/extension/background/calls.ts';

export class FakeChat implements ChatLike {
  calls: Array<{ method: string; args: unknown }> = [];
  handlers = new Map<string, Set<Handler>>();
  pending: Invitation[] = [];
  messages: SdkMessage[] = [];
  loginError: (Error & { code?: number }) | null = null;
  failNext: Record<string, Error & { code?: number }> = {};
  /** Whether the server has an SFU (getCapabilities answers it; getSfuJoin refuses an unknown call with `not_participant`, else `no_sfu`). */
  sfu = false;
  /** The owner getGroupProfile reports. */
  groupOwner = '';
  #seq = 0;
  readonly server: string;

  constructor(server: string) {
    this.server = server;
  }

  #record(method: string, args: unknown) {
    this.calls.push({ method, args });
    const err = this.failNext[method];
    if (err) {
      delete this.failNext[method];
      throw err;
    }
  }
  called(method: string) {
    return this.calls.filter((c) => c.method === method).map((c) => c.args as Record<string, unknown>);
  }
  emit(name: string, data: unknown) {
    for (const h of this.handlers.get(name) ?? []) h({ name, data });
  }
  #add(name: string, h: Handler) {
    if (!this.handlers.has(name)) this.handlers.set(name, new Set());
    this.handlers.get(name)!.add(h);
  }

  async login(o: { userID: string; userSig: string }) {
    this.#record('login', o);
    if (this.loginError) throw this.loginError;
    return { code: 0, data: {} };
  }
  async logout() {
    this.#record('logout', {});
  }
  async destroy() {
    this.#record('destroy', {});
  }
  on(name: string, h: Handler) {
    this.#add(name, h);
  }
  off(name: string, h: Handler) {
    this.handlers.get(name)?.delete(h);
  }
  addSignalingListener(name: string, h: Handler) {
    this.#add(name, h);
  }
  removeSignalingListener(name: string, h: Handler) {
    this.handlers.get(name)?.delete(h);
  }
  async invite(o: InviteOptions & { userID: string }) {
    this.#record('invite', o);
    return { code: 0, inviteID: `out-${++this.#seq}` };
  }
  async inviteInGroup(o: InviteOptions & { groupID: string; inviteeList: string[] }) {
    this.#record('inviteInGroup', o);
    return { code: 0, inviteID: `gout-${++this.#seq}` };
  }
  async cancel(o: { inviteID: string }) {
    this.#record('cancel', o);
    return { code: 0, inviteID: o.inviteID };
  }
  async accept(o: { inviteID: string }) {
    this.#record('accept', o);
    return { code: 0, inviteID: o.inviteID };
  }
  async reject(o: { inviteID: string }) {
    this.#record('reject', o);
    return { code: 0, inviteID: o.inviteID };
  }
  async getPendingInvitations() {
    this.#record('getPendingInvitations', {});
    return { code: 0, data: { invitationList: this.pending } };
  }
  async getGroupList() {
    return { code: 0, data: { groupList: [{ groupID: 'team', name: 'The Team' }] } };
  }
  async getGroupProfile(o: { groupID: string }) {
    return { code: 0, data: { group: { groupID: o.groupID, name: `Group ${o.groupID}`, ...(this.groupOwner ? { ownerID: this.groupOwner } : {}) } } };
  }
  async getCapabilities() {
    this.#record('getCapabilities', {});
    return { code: 0, data: { sfu: this.sfu, meshLimit: 6 } };
  }
  async getSfuJoin(o: { inviteID: string }): Promise<never> {
    this.#record('getSfuJoin', o);
    throw Object.assign(new Error('refused'), { code: 8011, reason: this.sfu ? 'not_participant' : 'no_sfu' });
  }
  async getGroupMemberList(_o: { groupID: string }) {
    return { code: 0, data: { memberList: [{ userID: 'alice', role: 'Owner' }, { userID: 'bob', role: 'Member' }] } };
  }
  async getConversationList() {
    const ids = [...new Set(this.messages.map((m) => m.conversationID))];
    return { code: 0, data: { conversationList: ids.map((conversationID) => ({ conversationID, unreadCount: 0 })) } };
  }
  async getMessageList(o: { conversationID: string }) {
    return {
      code: 0,
      data: { messageList: this.messages.filter((m) => m.conversationID === o.conversationID), isCompleted: true },
    };
  }
}

/** A TSignaling history message. */
export function signal(
  conversationID: string,
  from: string,
  time: number,
  s: { inviteID: string; inviter: string; actionType: number; inviteeList: string[]; data?: string; groupID?: string },
): SdkMessage {
  return {
    ID: `${s.inviteID}-${s.actionType}-${from}`,
    conversationID,
    from,
    to: '',
    time,
    type: 'TIMCustomElem',
    payload: { data: JSON.stringify({ businessID: 1, timeout: 30, data: '', groupID: '', ...s }) },
  };
}
