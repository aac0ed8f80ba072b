/**
 * A tiny in-memory stand-in for the part of the SDK's `Chat` the worker uses
 * (`SessionChat`), for the worker's unit tests in the fake browser: it records the calls
 * made and lets a test emit SDK events; `pending` is what getPendingInvitations answers.
 * The connection and kicked-out paths run on the real SDK and a real server instead
 * (session.test.ts).
 */
import type { SessionChat } from '../../src/extension/background/session.ts';
import type { Handler, InviteInGroupOptions, InviteOptions } from '../../src/sdk/index.ts';
import type { GroupInvitation, Message } from '../../src/protocol/im.ts';
import type { PendingInvitation } from '../../src/protocol/signaling.ts';
import { RingletError } from '../../src/protocol/errors.ts';
import { MESH_LIMIT } from '../../src/protocol/sfu.ts';
import { USER_STATUS, type UserStatus } from '../../src/protocol/presence.ts';

export class FakeChat implements SessionChat {
  calls: Array<{ method: string; args: unknown }> = [];
  handlers = new Map<string, Set<Handler>>();
  pending: PendingInvitation[] = [];
  messages: Message[] = [];
  loginError: RingletError | null = null;
  failNext: Record<string, RingletError> = {};
  /** Whether the server has an SFU (what getCapabilities answers). */
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
    return { code: 0 as const, data: { repeatLogin: false } };
  }
  async logout() {
    this.#record('logout', {});
    return { code: 0 as const, data: {} };
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
  #signal(method: string, o: object, inviteID: string) {
    this.#record(method, o);
    return { code: 0 as const, inviteID, data: { message: null } };
  }
  async invite(o: InviteOptions) {
    return this.#signal('invite', o, `out-${++this.#seq}`);
  }
  async inviteInGroup(o: InviteInGroupOptions) {
    return this.#signal('inviteInGroup', o, `gout-${++this.#seq}`);
  }
  async cancel(o: { inviteID: string }) {
    return this.#signal('cancel', o, o.inviteID);
  }
  async accept(o: { inviteID: string }) {
    return this.#signal('accept', o, o.inviteID);
  }
  async reject(o: { inviteID: string }) {
    return this.#signal('reject', o, o.inviteID);
  }
  async transferCall(o: { inviteID: string; userID: string; timeout?: number }) {
    return this.#signal('transferCall', o, `tr-${++this.#seq}`);
  }
  async addToCall(o: { inviteID: string; userID: string; timeout?: number }) {
    return this.#signal('addToCall', o, `add-${++this.#seq}`);
  }
  async modifyInvitation(o: { inviteID: string; data: string }) {
    this.#record('modifyInvitation', o);
    return { code: 0 as const, data: { inviteID: o.inviteID, data: o.data } };
  }
  /** Tests set what the server keeps for an invitation (getInvitation). */
  invitations = new Map<string, { inviteID: string; inviter: string; groupID: string; inviteeList: string[]; data: string; timeout: number }>();
  async getInvitation(o: { inviteID: string }) {
    this.#record('getInvitation', o);
    const invitation = this.invitations.get(o.inviteID);
    if (!invitation) throw Object.assign(new Error(`no invitation ${o.inviteID}`), { code: 8010, reason: 'not_found' });
    return { code: 0 as const, data: { invitation } };
  }
  async getPendingInvitations() {
    this.#record('getPendingInvitations', {});
    return { code: 0 as const, data: { invitationList: this.pending } };
  }
  async getGroupList() {
    return { code: 0 as const, data: { groupList: [{ groupID: 'team', name: 'The Team', type: 'Work' as const, ownerID: 'alice' }] } };
  }
  async getGroupProfile(o: { groupID: string }) {
    return { code: 0 as const, data: { group: { groupID: o.groupID, name: `Group ${o.groupID}`, type: 'Work' as const, ownerID: this.groupOwner } } };
  }
  // Contacts, blocks and group invitations: kept in memory, as the server would answer.
  contacts: string[] = [];
  blocked: string[] = [];
  groupInvitations: GroupInvitation[] = [];
  async getContactList() {
    return { code: 0 as const, data: { contactList: [...this.contacts] } };
  }
  async addContact(o: { userID: string }) {
    this.#record('addContact', o);
    if (!this.contacts.includes(o.userID)) this.contacts.push(o.userID);
    return { code: 0 as const, data: { userID: o.userID } };
  }
  async removeContact(o: { userID: string }) {
    this.#record('removeContact', o);
    this.contacts = this.contacts.filter((u) => u !== o.userID);
    return { code: 0 as const, data: { userID: o.userID } };
  }
  /** What getUserStatus answers (absent: offline). */
  statuses = new Map<string, UserStatus>();
  async getUserStatus(o: { userIDList: string[] }) {
    this.#record('getUserStatus', o);
    return { code: 0 as const, data: { successUserList: o.userIDList.map((u) => this.statuses.get(u) ?? { userID: u, statusType: USER_STATUS.OFFLINE, customStatus: '' }), failureUserList: [] } };
  }
  async subscribeUserStatus(o: { userIDList: string[] }) {
    this.#record('subscribeUserStatus', o);
    return { code: 0 as const, data: { failureUserList: [] } };
  }
  async unsubscribeUserStatus(o: { userIDList?: string[] } = {}) {
    this.#record('unsubscribeUserStatus', o);
    return { code: 0 as const, data: { failureUserList: [] } };
  }
  async setSelfStatus(o: { customStatus: string }) {
    this.#record('setSelfStatus', o);
    return { code: 0 as const, data: { userID: '', statusType: USER_STATUS.ONLINE, customStatus: o.customStatus } };
  }
  async getBlacklist() {
    return { code: 0 as const, data: [...this.blocked] };
  }
  async addToBlacklist(o: { userIDList: string[] }) {
    this.#record('addToBlacklist', o);
    const added = o.userIDList.filter((u) => !this.blocked.includes(u));
    this.blocked.push(...added);
    this.contacts = this.contacts.filter((u) => !o.userIDList.includes(u));
    return { code: 0 as const, data: added };
  }
  async removeFromBlacklist(o: { userIDList: string[] }) {
    this.#record('removeFromBlacklist', o);
    const removed = this.blocked.filter((u) => o.userIDList.includes(u));
    this.blocked = this.blocked.filter((u) => !o.userIDList.includes(u));
    return { code: 0 as const, data: removed };
  }
  async getGroupInvitationList() {
    return { code: 0 as const, data: { invitationList: [...this.groupInvitations] } };
  }
  async acceptGroupInvitation(o: { groupID: string }) {
    this.#record('acceptGroupInvitation', o);
    const inv = this.groupInvitations.find((i) => i.group.groupID === o.groupID);
    if (!inv) throw new RingletError(8011, 'no_invitation', `no invitation to group ${o.groupID} awaits you`);
    this.groupInvitations = this.groupInvitations.filter((i) => i !== inv);
    return { code: 0 as const, data: { group: inv.group } };
  }
  async declineGroupInvitation(o: { groupID: string }) {
    this.#record('declineGroupInvitation', o);
    const before = this.groupInvitations.length;
    this.groupInvitations = this.groupInvitations.filter((i) => i.group.groupID !== o.groupID);
    if (this.groupInvitations.length === before) throw new RingletError(8011, 'no_invitation', `no invitation to group ${o.groupID} awaits you`);
    return { code: 0 as const, data: { groupID: o.groupID } };
  }
  async getCapabilities() {
    this.#record('getCapabilities', {});
    return { code: 0 as const, data: { sfu: this.sfu, meshLimit: MESH_LIMIT } };
  }
  async getGroupMemberList(_o: { groupID: string }) {
    return { code: 0 as const, data: { memberList: [{ userID: 'alice', role: 'Owner' as const }, { userID: 'bob', role: 'Member' as const }] } };
  }
  // Group management runs on the real SDK and server (e2e groups.test.ts); here it only records.
  #unfaked(method: string, o: unknown): never {
    this.#record(method, o);
    throw new RingletError(2802, 'internal', `${method} is not faked`);
  }
  async createGroup(o: object): Promise<never> {
    return this.#unfaked('createGroup', o);
  }
  async joinGroup(o: object): Promise<never> {
    return this.#unfaked('joinGroup', o);
  }
  async addGroupMember(o: object): Promise<never> {
    return this.#unfaked('addGroupMember', o);
  }
  async deleteGroupMember(o: object): Promise<never> {
    return this.#unfaked('deleteGroupMember', o);
  }
  async quitGroup(groupID: string): Promise<never> {
    return this.#unfaked('quitGroup', { groupID });
  }
  async dismissGroup(groupID: string): Promise<never> {
    return this.#unfaked('dismissGroup', { groupID });
  }
  async getConversationList() {
    const ids = [...new Set(this.messages.map((m) => m.conversationID))];
    return { code: 0 as const, data: { conversationList: ids.map((conversationID) => ({ conversationID, type: 'C2C' as const, unreadCount: 0, lastMessage: null })) } };
  }
  async getMessageList(o: { conversationID: string }) {
    return {
      code: 0 as const,
      data: { messageList: this.messages.filter((m) => m.conversationID === o.conversationID), nextReqMessageID: '', isCompleted: true },
    };
  }
}

/** A TSignaling history message. */
export function signal(
  conversationID: string,
  from: string,
  time: number,
  s: { inviteID: string; inviter: string; actionType: number; inviteeList: string[]; data?: string; groupID?: string },
): Message {
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
