/**
 * The server's side of the op contract (protocol/ops.ts): one handler per op, typed from
 * the contract, so a missing handler or one that answers another shape does not compile.
 * Adding an op is its entry in the contract plus its handler here (and the service method
 * it calls); dispatch.ts runs every handler the same way and knows no op by name.
 */
import { ErrorCode, RingletError } from '../protocol/errors.ts';
import type { LiveOp, OpParams, OpResult, ReadOp, WriteOp } from '../protocol/ops.ts';
import { MESH_LIMIT } from '../protocol/sfu.ts';
import { iceServersFor, type IceOptions } from './auth/ice.ts';
import type { Outcome, ReadContext, RequestContext } from './context.ts';
import type { ContactService } from './im/contacts.ts';
import type { GroupService } from './im/groups.ts';
import type { MessageService } from './im/messages.ts';
import type { LiveCaller, StatusService } from './presence/status-service.ts';
import type { SfuService } from './sfu/service.ts';
import type { SignalingService } from './signaling/service.ts';

/** Whom a budgeted write is expected to reach: what message_rate charges before it runs. */
export type Reach =
  | { recipients: number }
  /** A group message: as many as the last message to that conversation reached (1 before the first). */
  | { fanoutOf: string };

export interface WriteHandler<K extends WriteOp> {
  /** Runs inside the request's transaction; the outcome's error is answered after the commit. */
  write(ctx: RequestContext, p: OpParams<K>): Promise<Outcome<OpResult<K>>>;
  /** Writes what others receive: under message_rate and stored_bytes, one at a time per user. */
  budget?(p: OpParams<K>): Reach;
}

export type ReadHandler<K extends ReadOp> =
  /** Reads one snapshot of the store, under read_bytes (one read of a user at a time). */
  | { read(rc: ReadContext, p: OpParams<K>): Promise<OpResult<K>> }
  /** Answers without the store. */
  | { answer(userID: string, p: OpParams<K>): Promise<OpResult<K>> };

/** Answers from live state, without the store's transaction (the caller's session matters). */
export interface LiveHandler<K extends LiveOp> {
  live(caller: LiveCaller, p: OpParams<K>): OpResult<K> | Promise<OpResult<K>>;
}

/** One handler per op; `logout` is the gateway's (it ends the connection). */
export interface Handlers {
  readonly write: { readonly [K in WriteOp]: WriteHandler<K> };
  readonly read: { readonly [K in ReadOp]: ReadHandler<K> };
  readonly live: { readonly [K in LiveOp]: LiveHandler<K> };
}

export interface HandlerServices {
  signaling: SignalingService;
  groups: GroupService;
  /** Contacts and blocks (Ringlet additions). */
  contacts: ContactService;
  messages: MessageService;
  /** User status: subscriptions and custom statuses (Ringlet additions with Tencent's names). */
  status: StatusService;
  /** STUN/TURN configuration handed to clients for WebRTC. */
  ice: IceOptions;
  /** The SFU (Janus) for classrooms and calls larger than the mesh; null when none is configured. */
  sfu: SfuService | null;
}

export function createHandlers(s: HandlerServices): Handlers {
  const { signaling: sig, groups: g, messages: m, contacts: c, status, sfu } = s;
  return {
    write: {
      // Signaling handlers return an Outcome themselves: an error there may come with committed changes.
      invite: { write: (ctx, p) => sig.invite(ctx, p), budget: () => ({ recipients: 1 }) },
      inviteInGroup: { write: (ctx, p) => sig.inviteInGroup(ctx, p), budget: (p) => ({ recipients: 1 + p.inviteeList.length }) },
      transferCall: { write: (ctx, p) => sig.transferCall(ctx, p), budget: () => ({ recipients: 1 }) },
      addToCall: { write: (ctx, p) => sig.addToCall(ctx, p), budget: () => ({ recipients: 1 }) },
      accept: { write: (ctx, p) => sig.act(ctx, 'accept', p) },
      reject: { write: (ctx, p) => sig.act(ctx, 'reject', p) },
      cancel: { write: (ctx, p) => sig.act(ctx, 'cancel', p) },
      modifyInvitation: { write: (ctx, p) => sig.modify(ctx, p), budget: () => ({ recipients: 1 }) },
      createGroup: { write: async (ctx, p) => ({ data: await g.create(ctx, p) }) },
      joinGroup: { write: async (ctx, p) => ({ data: await g.join(ctx, p) }) },
      quitGroup: { write: async (ctx, p) => ({ data: await g.quit(ctx, p) }) },
      dismissGroup: { write: async (ctx, p) => ({ data: await g.dismiss(ctx, p) }) },
      addGroupMember: { write: async (ctx, p) => ({ data: await g.addMembers(ctx, p) }) },
      deleteGroupMember: { write: async (ctx, p) => ({ data: await g.deleteMembers(ctx, p) }) },
      sendMessage: {
        write: async (ctx, p) => ({ data: await m.send(ctx, p) }),
        budget: (p) => (p.conversationID.startsWith('GROUP') ? { fanoutOf: p.conversationID } : { recipients: 1 }),
      },
      setMessageRead: { write: async (ctx, p) => ({ data: await m.markRead(ctx, p) }) },
      addContact: { write: async (ctx, p) => ({ data: await c.addContact(ctx, p) }) },
      removeContact: { write: async (ctx, p) => ({ data: await c.removeContact(ctx, p) }) },
      addToBlacklist: { write: async (ctx, p) => ({ data: await c.block(ctx, p) }) },
      removeFromBlacklist: { write: async (ctx, p) => ({ data: await c.unblock(ctx, p) }) },
      acceptGroupInvitation: { write: async (ctx, p) => ({ data: await g.acceptInvitation(ctx, p) }) },
      declineGroupInvitation: { write: async (ctx, p) => ({ data: await g.declineInvitation(ctx, p) }) },
    },
    read: {
      getPendingInvitations: { read: (rc) => sig.pending(rc) },
      getInvitation: { read: (rc, p) => sig.invitation(rc, p) },
      getGroupList: { read: (rc) => g.list(rc) },
      getGroupProfile: { read: (rc, p) => g.profile(rc, p) },
      getGroupMemberList: { read: (rc, p) => g.members(rc, p) },
      getGroupInvitationList: { read: (rc) => g.invitations(rc) },
      getContactList: { read: (rc) => c.contacts(rc) },
      getBlacklist: { read: (rc) => c.blacklist(rc) },
      getMessageList: { read: (rc, p) => m.list(rc, p) },
      getConversationList: { read: (rc) => m.conversations(rc) },
      getIceServers: { read: async (rc) => iceServersFor(rc.userID, s.ice, rc.now) },
      getSfuJoin: {
        answer: async (userID, p) => {
          if (!sfu) throw new RingletError(ErrorCode.NOT_PERMITTED, 'no_sfu', 'this server has no SFU; group calls use the mesh (up to 6)');
          return sfu.join(userID, p.inviteID);
        },
      },
      getCapabilities: { answer: async () => ({ sfu: sfu !== null, meshLimit: MESH_LIMIT }) },
    },
    live: {
      getUserStatus: { live: (who, p) => status.get(who, p) },
      subscribeUserStatus: { live: (who, p) => status.subscribe(who, p) },
      unsubscribeUserStatus: { live: (who, p) => status.unsubscribe(who, p) },
      setSelfStatus: { live: (who, p) => status.setSelf(who, p) },
    },
  };
}
