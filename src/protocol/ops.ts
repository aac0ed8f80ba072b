/**
 * The op contract: every request operation with the schema of its parameters, the type of
 * its result (the `data` of a successful reply) and the error codes it answers besides
 * those every op may answer. The server validates requests with these schemas and the SDK
 * runs the same checks before sending (a bad call fails early with the server's 8001).
 * The server's handler table (server/handlers.ts), the SDK's `Chat` methods and the
 * extension's chat interfaces are derived from this table, so adding an op is one entry
 * here plus one handler, and a side that is missing or answers another shape does not compile.
 */
import * as z from 'zod/mini';
import { ErrorCode } from './errors.ts';
import { customPayloadSchema, dataSchema, idSchema, offlinePushInfoSchema } from './fields.ts';
import type { IceServers } from './ice.ts';
import { GROUP_TYPES, type Conversation, type Group, type GroupInvitation, type GroupMember, type Message } from './im.ts';
import { ID_PATTERN, LIMITS } from './limits.ts';
import type { ServerCapabilities, SfuJoin } from './sfu.ts';
import { CUSTOM_STATUS_MAX_LENGTH, STATUS_QUERY_MAX, STATUS_SUBSCRIBE_MAX, type UserStatus } from './presence.ts';
import type { Invitation, PendingInvitation } from './signaling.ts';

const id = idSchema;
const inviteID = z.string().check(z.minLength(1), z.maxLength(128));
const data = z.optional(dataSchema);
const timeout = z.int().check(z.minimum(0), z.maximum(LIMITS.maxTimeout));

const inviteCommon = {
  data,
  timeout: z.optional(timeout),
  onlineUserOnly: z.optional(z.boolean()),
  offlinePushInfo: z.optional(offlinePushInfoSchema),
};
const action = z.strictObject({ inviteID, data });
const groupRef = z.strictObject({ groupID: id });
const userRef = z.strictObject({ userID: id });
const userIDList = z.array(id).check(z.minLength(1), z.maxLength(LIMITS.maxInvitees));
const none = z.strictObject({});

/** 'C2C' or 'GROUP' and an ID. */
const conversationID = z.string().check(z.regex(new RegExp(`^(C2C|GROUP)${ID_PATTERN.source.slice(1)}`)));

/**
 * `write`: changes state; the server applies each request id of these at most once (a retry
 * gets the recorded reply). `read`: changes nothing. `live`: changes only live state, never
 * the store (this session's status subscriptions, the user's status): repeating one is
 * harmless, so it is not deduplicated. `session`: ends this connection (logout).
 */
export type OpKind = 'write' | 'read' | 'live' | 'session';

declare const RESULT: unique symbol;
/** A result type carried by the table: a type only, nothing at run time. */
export interface ResultType<T> {
  readonly [RESULT]?: T;
}
const result = <T>(): ResultType<T> => ({});

/**
 * Codes every op may answer: bad parameters, not logged in, the SDK's network and timeout,
 * an internal failure, and 8040 `request_cost` (every request is charged before it runs).
 */
export const COMMON_ERRORS = [ErrorCode.INVALID_PARAMETER, ErrorCode.NOT_LOGGED_IN, ErrorCode.NETWORK, ErrorCode.REQUEST_TIMEOUT, ErrorCode.INTERNAL, ErrorCode.LIMIT_EXCEEDED] as const;

/** One op of the contract. */
export interface OpSpec {
  readonly kind: OpKind;
  readonly params: z.ZodMiniType;
  readonly result: ResultType<unknown>;
  /** Codes besides COMMON_ERRORS (8040: per-user budgets and caps, its reason names the limit). */
  readonly errors: readonly ErrorCode[];
}

/** What invite, inviteInGroup, accept, reject and cancel answer (the SDK's SignalingResponse is made of it). */
export interface SignalingResult {
  inviteID: string;
  /** The history message this action stored (null when online-only or nothing changed). */
  message: Message | null;
  /**
   * inviteInGroup only (Ringlet addition): invitees left out of the call because they cannot
   * take an invitation from this inviter now (their pending invitations are full, or they
   * block the inviter: the two are not told apart). Absent when nobody was left out.
   */
  skippedUserIDList?: string[];
}

const {
  USER_NOT_FOUND, GROUP_NOT_FOUND, NOT_GROUP_MEMBER, INVITE_PART_ENDED, NOT_PERMITTED, CANCEL_NOT_POSSIBLE,
  NOT_GROUP_OWNER, GROUP_EXISTS, LIMIT_EXCEEDED,
} = ErrorCode;

/** The contract: one entry per op. */
export const ops = {
  invite: {
    kind: 'write',
    params: z.strictObject({ userID: id, ...inviteCommon }),
    result: result<SignalingResult>(),
    errors: [USER_NOT_FOUND, LIMIT_EXCEEDED],
  },
  inviteInGroup: {
    kind: 'write',
    params: z.strictObject({
      groupID: id,
      inviteeList: z.array(id).check(
        z.minLength(1),
        z.maxLength(LIMITS.maxInvitees),
        z.refine((l) => new Set(l).size === l.length, { message: 'has duplicates' }),
      ),
      ...inviteCommon,
    }),
    result: result<SignalingResult>(),
    errors: [GROUP_NOT_FOUND, NOT_GROUP_MEMBER, LIMIT_EXCEEDED],
  },
  cancel: { kind: 'write', params: action, result: result<SignalingResult>(), errors: [CANCEL_NOT_POSSIBLE, NOT_PERMITTED] },
  accept: { kind: 'write', params: action, result: result<SignalingResult>(), errors: [INVITE_PART_ENDED, NOT_PERMITTED] },
  reject: { kind: 'write', params: action, result: result<SignalingResult>(), errors: [INVITE_PART_ENDED, NOT_PERMITTED] },
  // Ringlet additions: transfer and add someone (docs/API.md "Transfer and add someone").
  /**
   * Blind transfer of the requester's running 1:1 call: the other party rings `userID`
   * (a new 1:1 invitation whose data the server marks `join: { kind: 'transfer', by }`).
   * 8011 `not_party`, `group_call`, `not_answered`, `call_over`; 8001 `userID` (yourself, or
   * already in the call); 8002; 8040 `pending_invitations` (full, or a block either way),
   * `pending_invitations_sent`.
   */
  transferCall: { kind: 'write', params: z.strictObject({ inviteID, userID: id, timeout: z.optional(timeout) }), result: result<SignalingResult>(), errors: [NOT_PERMITTED, USER_NOT_FOUND, LIMIT_EXCEEDED] },
  /** Adds `userID` to the requester's running 1:1 call (its room; `join: { kind: 'add' }`): the errors of transferCall, and 8040 `call_size` past the mesh (6). */
  addToCall: { kind: 'write', params: z.strictObject({ inviteID, userID: id, timeout: z.optional(timeout) }), result: result<SignalingResult>(), errors: [NOT_PERMITTED, USER_NOT_FOUND, LIMIT_EXCEEDED] },
  /**
   * Tencent's name; Ringlet addition in its rules (docs/API.md "modifyInvitation"): replaces
   * the invitation's data. The inviter of an open invitation, or the inviter or an invitee who
   * accepted once it was answered (a call in progress: hold and resume). 8010 unknown, or ended
   * with nobody having accepted; 8011 `not_party` / `not_accepted`.
   */
  modifyInvitation: {
    kind: 'write',
    params: z.strictObject({ inviteID, data: dataSchema }),
    result: result<{ inviteID: string; data: string }>(),
    errors: [INVITE_PART_ENDED, NOT_PERMITTED, LIMIT_EXCEEDED],
  },
  /**
   * Ringlet addition: one invitation as the server keeps it now (its current data included),
   * to a party of it only: the inviter or an invitee (8011 `not_party`); 8010 `not_found`.
   * How a device that was away reads what modifyInvitation changed (docs/API.md).
   */
  getInvitation: { kind: 'read', params: z.strictObject({ inviteID }), result: result<{ invitation: Invitation }>(), errors: [INVITE_PART_ENDED, NOT_PERMITTED, LIMIT_EXCEEDED] },
  getPendingInvitations: { kind: 'read', params: none, result: result<{ invitationList: PendingInvitation[] }>(), errors: [LIMIT_EXCEEDED] },

  createGroup: {
    kind: 'write',
    params: z.strictObject({
      name: z.string().check(z.minLength(1), z.maxLength(LIMITS.groupNameMaxLength)),
      type: z.optional(z.enum(GROUP_TYPES)),
      groupID: z.optional(id),
      memberList: z.optional(z.array(id).check(z.maxLength(LIMITS.maxGroupMembers))),
    }),
    /** `invitedUserIDList` (Ringlet addition): members who were sent a group invitation instead (docs/API.md "Contacts, blocks and group consent"). */
    result: result<{ group: Group; invitedUserIDList: string[] }>(),
    errors: [USER_NOT_FOUND, GROUP_EXISTS, LIMIT_EXCEEDED],
  },
  joinGroup: { kind: 'write', params: groupRef, result: result<{ status: 'joined' | 'already_member'; group: Group }>(), errors: [GROUP_NOT_FOUND, NOT_PERMITTED, LIMIT_EXCEEDED] },
  quitGroup: { kind: 'write', params: groupRef, result: result<{ groupID: string }>(), errors: [GROUP_NOT_FOUND, NOT_GROUP_MEMBER] },
  dismissGroup: { kind: 'write', params: groupRef, result: result<{ groupID: string }>(), errors: [GROUP_NOT_FOUND, NOT_GROUP_OWNER] },
  addGroupMember: {
    kind: 'write',
    params: z.strictObject({ groupID: id, userIDList }),
    result: result<{ successUserIDList: string[]; existedUserIDList: string[]; invitedUserIDList: string[]; group: Group }>(),
    errors: [GROUP_NOT_FOUND, NOT_GROUP_MEMBER, USER_NOT_FOUND, LIMIT_EXCEEDED],
  },
  deleteGroupMember: {
    kind: 'write',
    params: z.strictObject({ groupID: id, userIDList }),
    result: result<{ successUserIDList: string[]; group: Group }>(),
    errors: [GROUP_NOT_FOUND, NOT_GROUP_OWNER],
  },
  getGroupList: { kind: 'read', params: none, result: result<{ groupList: Group[] }>(), errors: [LIMIT_EXCEEDED] },
  getGroupProfile: { kind: 'read', params: groupRef, result: result<{ group: Group }>(), errors: [GROUP_NOT_FOUND, NOT_GROUP_MEMBER, LIMIT_EXCEEDED] },
  getGroupMemberList: { kind: 'read', params: groupRef, result: result<{ memberList: GroupMember[] }>(), errors: [GROUP_NOT_FOUND, NOT_GROUP_MEMBER, LIMIT_EXCEEDED] },

  // Ringlet additions: contacts, blocks and group consent (docs/API.md, docs/SECURITY.md "Blocks", "Group consent").
  /** 8002 the user does not exist; 8001 `userID` yourself; 8040 `contacts` (ServerLimits.maxContacts). */
  addContact: { kind: 'write', params: userRef, result: result<{ userID: string }>(), errors: [USER_NOT_FOUND, LIMIT_EXCEEDED] },
  removeContact: { kind: 'write', params: userRef, result: result<{ userID: string }>(), errors: [] },
  getContactList: { kind: 'read', params: none, result: result<{ contactList: string[] }>(), errors: [LIMIT_EXCEEDED] },
  /** Tencent's names. Resolves with the user IDs added; 8002 unknown users; 8040 `blocklist` (ServerLimits.maxBlocked). */
  addToBlacklist: { kind: 'write', params: z.strictObject({ userIDList }), result: result<string[]>(), errors: [USER_NOT_FOUND, LIMIT_EXCEEDED] },
  /** Resolves with the user IDs removed. */
  removeFromBlacklist: { kind: 'write', params: z.strictObject({ userIDList }), result: result<string[]>(), errors: [] },
  getBlacklist: { kind: 'read', params: none, result: result<string[]>(), errors: [LIMIT_EXCEEDED] },
  getGroupInvitationList: { kind: 'read', params: none, result: result<{ invitationList: GroupInvitation[] }>(), errors: [LIMIT_EXCEEDED] },
  /** 8011 `no_invitation`; 8003 the group is gone; 8040 `groups_per_user` / `group_size`. */
  acceptGroupInvitation: { kind: 'write', params: groupRef, result: result<{ group: Group }>(), errors: [NOT_PERMITTED, GROUP_NOT_FOUND, LIMIT_EXCEEDED] },
  /** 8011 `no_invitation`. A declined group counts as left: a re-add needs consent again. */
  declineGroupInvitation: { kind: 'write', params: groupRef, result: result<{ groupID: string }>(), errors: [NOT_PERMITTED] },

  // Ringlet additions with Tencent's names: user status (docs/API.md "Presence").
  /** Statuses of up to 500 users; a user who does not show you theirs (or does not exist) is USER_STATUS_UNKNOWN. */
  getUserStatus: {
    kind: 'live',
    params: z.strictObject({ userIDList: z.array(id).check(z.minLength(1), z.maxLength(STATUS_QUERY_MAX)) }),
    result: result<{ successUserList: UserStatus[]; failureUserList: Array<{ userID: string; code: number; message: string }> }>(),
    errors: [],
  },
  /** This session hears USER_STATUS_UPDATED for these users; 8040 `status_subscriptions` (ServerLimits.maxStatusSubscriptions per session). */
  subscribeUserStatus: {
    kind: 'live',
    params: z.strictObject({ userIDList: z.array(id).check(z.minLength(1), z.maxLength(STATUS_SUBSCRIBE_MAX)) }),
    result: result<{ failureUserList: Array<{ userID: string; code: number; message: string }> }>(),
    errors: [LIMIT_EXCEEDED],
  },
  /** Without `userIDList`: every subscription of this session. */
  unsubscribeUserStatus: {
    kind: 'live',
    params: z.strictObject({ userIDList: z.optional(z.array(id).check(z.maxLength(STATUS_SUBSCRIBE_MAX))) }),
    result: result<{ failureUserList: Array<{ userID: string; code: number; message: string }> }>(),
    errors: [],
  },
  /** '' clears it; 8040 `status_rate` (ServerLimits.statusRate). */
  setSelfStatus: {
    kind: 'live',
    params: z.strictObject({ customStatus: z.string().check(z.maxLength(CUSTOM_STATUS_MAX_LENGTH)) }),
    result: result<UserStatus>(),
    errors: [LIMIT_EXCEEDED],
  },

  sendMessage: {
    kind: 'write',
    params: z.strictObject({
      conversationID,
      payload: customPayloadSchema,
      onlineUserOnly: z.optional(z.boolean()),
    }),
    result: result<{ message: Message }>(),
    errors: [USER_NOT_FOUND, GROUP_NOT_FOUND, NOT_GROUP_MEMBER, LIMIT_EXCEEDED],
  },
  getMessageList: {
    kind: 'read',
    params: z.strictObject({
      conversationID,
      nextReqMessageID: z.optional(z.string().check(z.regex(/^[0-9]{1,20}$/))),
      count: z.optional(z.int().check(z.minimum(1), z.maximum(LIMITS.maxPageSize))),
    }),
    result: result<{ messageList: Message[]; nextReqMessageID: string; isCompleted: boolean }>(),
    errors: [GROUP_NOT_FOUND, NOT_GROUP_MEMBER, LIMIT_EXCEEDED],
  },
  getConversationList: { kind: 'read', params: none, result: result<{ conversationList: Conversation[] }>(), errors: [LIMIT_EXCEEDED] },
  setMessageRead: { kind: 'write', params: z.strictObject({ conversationID }), result: result<Record<string, never>>(), errors: [] },

  getIceServers: { kind: 'read', params: none, result: result<IceServers>(), errors: [LIMIT_EXCEEDED] },
  /**
   * 8011 `mesh_call` / `no_sfu`: this call runs on the mesh; 8011 `not_participant` (not the
   * inviter or an accepted invitee, or no longer a member), `not_answered` (nobody accepted
   * yet), `call_over`; 8040 `sfu_join_rate`, `sfu_rooms`, `sfu_rooms_per_user`,
   * `sfu_rooms_per_group` (docs/SECURITY.md "The SFU").
   */
  getSfuJoin: { kind: 'read', params: z.strictObject({ inviteID }), result: result<SfuJoin>(), errors: [NOT_PERMITTED, LIMIT_EXCEEDED] },
  getCapabilities: { kind: 'read', params: none, result: result<ServerCapabilities>(), errors: [] },
  logout: { kind: 'session', params: none, result: result<Record<string, never>>(), errors: [] },
} as const satisfies Record<string, OpSpec>;

type Ops = typeof ops;
export type Op = keyof Ops;
/** An op's parameters after validation (defaults not yet applied: the handler applies them). */
export type OpParams<K extends Op> = z.output<Ops[K]['params']>;
/** An op's parameters as a caller writes them. */
export type OpInput<K extends Op> = z.input<Ops[K]['params']>;
/** The `data` of an op's successful reply. */
export type OpResult<K extends Op> = Ops[K]['result'] extends ResultType<infer R> ? R : never;
/** The codes an op may answer. */
export type OpError<K extends Op> = Ops[K]['errors'][number] | (typeof COMMON_ERRORS)[number];
type OfKind<T extends OpKind> = { [K in Op]: Ops[K]['kind'] extends T ? K : never }[Op];
/** Ops that change state (applied once per request id). */
export type WriteOp = OfKind<'write'>;
/** Ops that change nothing. */
export type ReadOp = OfKind<'read'>;
/** Ops that change only live state (status subscriptions, the user's status). */
export type LiveOp = OfKind<'live'>;

/** The table seen op by op: indexed with a generic op, its schema keeps that op's type. */
const byOp: { readonly [K in Op]: { readonly params: z.ZodMiniType<OpParams<K>> } } = ops;

/** The parameter schema of `op` (what parseParams validates with). */
export function paramsSchema<K extends Op>(op: K): z.ZodMiniType<OpParams<K>> {
  return byOp[op].params;
}

const ofKind = (kind: OpKind): ReadonlySet<string> => new Set(Object.entries(ops).filter(([, spec]) => spec.kind === kind).map(([op]) => op));
const WRITE_OPS = ofKind('write');
const LIVE_OPS = ofKind('live');
const COMMON: ReadonlySet<number> = new Set(COMMON_ERRORS);

export function isOp(value: unknown): value is Op {
  return typeof value === 'string' && Object.hasOwn(ops, value);
}

/** Whether `op` changes state: the server applies each request id of these at most once. */
export function isWriteOp(op: Op): op is WriteOp {
  return WRITE_OPS.has(op);
}

/** Whether `op` changes only live state (answered without the store's transaction). */
export function isLiveOp(op: Op): op is LiveOp {
  return LIVE_OPS.has(op);
}

/** Whether the contract lets `op` answer `code`. */
export function declaresError(op: Op, code: number): boolean {
  const errors: readonly number[] = ops[op].errors;
  return COMMON.has(code) || errors.includes(code);
}
