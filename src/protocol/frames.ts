/**
 * WebSocket frames, both directions: one type per frame, each one JSON text message.
 * codec.ts encodes and decodes them; docs/PROTOCOL.md is the prose version.
 */
import * as z from 'zod/mini';
import type { ErrorBody } from './errors.ts';
import type { Group, GroupInvitation, Message } from './im.ts';
import { ID_PATTERN } from './limits.ts';
import type { UserStatus } from './presence.ts';
import type { Op, OpParams } from './ops.ts';
import type { SignalingEvent } from './signaling.ts';

/** Client request ids: unique per user for as long as a retry may happen. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,80}$/;
export const requestIdSchema = z.string().check(z.regex(REQUEST_ID_PATTERN));

// ---- client → server ------------------------------------------------------------

export const loginFrameSchema = z.strictObject({
  type: z.literal('login'),
  id: requestIdSchema,
  userID: z.string().check(z.regex(ID_PATTERN)),
  userSig: z.string().check(z.minLength(1), z.maxLength(4096)),
  /** The last event sequence number this client saw; asks for a replay of what followed. */
  resume: z.optional(z.strictObject({ lastSeq: z.int().check(z.minimum(0)) })),
});
export type LoginFrame = z.infer<typeof loginFrameSchema>;

export const requestEnvelopeSchema = z.strictObject({
  type: z.literal('req'),
  id: requestIdSchema,
  op: z.string().check(z.maxLength(64)),
  params: z.unknown(),
});

export const pingFrameSchema = z.strictObject({ type: z.literal('ping') });
export type PingFrame = z.infer<typeof pingFrameSchema>;

/** A request of one op: the envelope, with `params` matching that op's schema. */
export interface RequestOf<K extends Op> extends Omit<z.infer<typeof requestEnvelopeSchema>, 'op' | 'params'> {
  op: K;
  params: OpParams<K>;
}
/** A request of any of `K` (by default any op), as a union narrowed by `op`. */
export type RequestFrame<K extends Op = Op> = { [P in K]: RequestOf<P> }[K];
export type ClientFrame = LoginFrame | RequestFrame | PingFrame;

// ---- server → client ------------------------------------------------------------

/** A reply's body: success with the op's `data`, or an error. */
export type Reply<D = unknown> = { code: 0; data: D } | ErrorBody;

/** The answer to `login` or `req`. */
export type ResultFrame = { type: 'res'; id: string } & Reply;

/** What a successful login answers. */
export interface LoginResult {
  userID: string;
  /** The event sequence the client is now at: the next pushed event has a higher seq. */
  seq: number;
  /** Milliseconds, server clock (informative; the client never computes deadlines itself). */
  serverTime: number;
  /** True when `resume.lastSeq` was honoured and missed events follow; false = fresh start. */
  resumed: boolean;
  /** Seconds until the userSig expires. */
  expiresIn: number;
}

/** What one event carries: a signaling event, a message, or both (a signaling action is also a history message). */
export interface PushBody {
  signal?: SignalingEvent;
  message?: Message;
}

/**
 * One delivered event. `seq` orders a user's stored events and makes replay exact;
 * online-only events have no seq and are never replayed.
 */
export interface PushFrame extends PushBody {
  type: 'push';
  seq: number | null;
}

/** My whole group list: sent once at every login, before `synced` (the baseline deltas apply to). */
export interface GroupsFrame {
  type: 'groups';
  groupList: Group[];
}
/** How one group entered, changed in or left my list. */
export type GroupChange = 'added' | 'updated' | 'removed';
/**
 * One change to my group list: a group I joined or was added to, one whose profile
 * changed (a new owner), or one I left, was removed from or that was dismissed.
 */
export interface GroupDeltaFrame {
  type: 'groupDelta';
  change: GroupChange;
  group: Group;
}
/**
 * Members left a group I am in: removed by the owner, quit, or everyone when it was
 * dismissed (Ringlet addition, sent to every member, the departed included, online only).
 * Their calls in the group end for them: the SFU kicks them and mesh peers drop them.
 */
export interface GroupMembersRemovedFrame {
  type: 'groupMembersRemoved';
  groupID: string;
  userIDList: string[];
}
/**
 * Someone asked me to join a group and it awaits my consent (Ringlet addition, online only;
 * getGroupInvitationList lists what is waiting).
 */
export interface GroupInvitationFrame {
  type: 'groupInvitation';
  invitation: GroupInvitation;
}
/**
 * Users' statuses changed (Ringlet addition, online only, never replayed): sent for the
 * users this session subscribed to (subscribeUserStatus) and for the user's own status.
 * A user who no longer shows you theirs comes as USER_STATUS_UNKNOWN.
 */
export interface UserStatusFrame {
  type: 'userStatus';
  userStatusList: UserStatus[];
}
export interface PongFrame {
  type: 'pong';
  serverTime: number;
}
/** Why a session is closed with a `kicked` frame (then close 4403). */
export type KickReason = 'user_sig_expired' | 'device_limit';
export interface KickedFrame {
  type: 'kicked';
  reason: KickReason;
}
/** Sent once the login replay/announcements are done: everything after is live. */
export interface SyncedFrame {
  type: 'synced';
  seq: number;
}

export type ServerFrame = ResultFrame | PushFrame | GroupsFrame | GroupDeltaFrame | GroupMembersRemovedFrame | GroupInvitationFrame | UserStatusFrame | PongFrame | KickedFrame | SyncedFrame;
