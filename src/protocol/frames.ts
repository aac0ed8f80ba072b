/**
 * WebSocket frames, both directions. Each frame is one JSON text message.
 * See docs/PROTOCOL.md for the prose version of this file.
 */
import { z } from 'zod';
import { invalidParameter, RingletError, type ErrorBody } from './errors.ts';
import type { Conversation, Group, Message } from './im.ts';
import { ID_PATTERN } from './limits.ts';
import { isOp, opSchemas, type Op, type OpParams } from './ops.ts';
import type { SignalingEvent } from './signaling.ts';

/** Client request ids: unique per user for as long as a retry may happen. */
export const requestIdSchema = z.string().regex(/^[A-Za-z0-9_.:-]{1,80}$/);

// ---- client → server ------------------------------------------------------------

export const loginFrameSchema = z.strictObject({
  type: z.literal('login'),
  id: requestIdSchema,
  userID: z.string().regex(ID_PATTERN),
  userSig: z.string().min(1).max(4096),
  /** The last event sequence number this client saw; asks for a replay of what followed. */
  resume: z.strictObject({ lastSeq: z.int().min(0) }).optional(),
});
export type LoginFrame = z.infer<typeof loginFrameSchema>;

export const requestEnvelopeSchema = z.strictObject({
  type: z.literal('req'),
  id: requestIdSchema,
  op: z.string().max(64),
  params: z.unknown(),
});

export const pingFrameSchema = z.strictObject({ type: z.literal('ping') });

/** A validated request: `params` matches the schema of `op`. */
export type RequestFrame = { [K in Op]: { type: 'req'; id: string; op: K; params: OpParams<K> } }[Op];
export type ClientFrame = LoginFrame | RequestFrame | { type: 'ping' };

/** Close codes of protocol violations (4xxx, documented in PROTOCOL.md). */
export const CloseCode = {
  /** Not valid JSON, or not a known frame. */
  BAD_FRAME: 4400,
  /** No login within the allowed time, or a request before login. */
  UNAUTHORIZED: 4401,
  /** The userSig expired while connected; the client must get a new one. */
  KICKED: 4403,
  /** Too many frames too fast. */
  RATE_LIMITED: 4429,
  /**
   * An outbound budget was exceeded (the client does not read fast enough, or the user's or
   * the server's queued bytes are at their cap) and this socket was the fullest. Reconnect
   * and resume by seq: nothing stored is lost.
   */
  SLOW_CONSUMER: 4503,
  /** The server is shutting down; reconnect later. */
  GOING_AWAY: 1001,
  /**
   * "Service restart": an event of this user was committed but did not reach this node in
   * time (or the node lost its bus). Reconnect and resume by seq: the store has it.
   */
  RESYNC: 1012,
} as const;

/**
 * Validates one decoded client frame. Envelope problems throw a RingletError 8001 whose
 * reason is 'frame'; parameter problems throw 8001 with the parameter's name as reason.
 */
export function parseClientFrame(value: unknown): ClientFrame {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidParameter('frame', 'not an object');
  const type = (value as { type?: unknown }).type;
  if (type === 'ping') {
    const r = pingFrameSchema.safeParse(value);
    if (!r.success) throw invalidParameter('frame', 'ping carries no fields');
    return r.data;
  }
  if (type === 'login') {
    const r = loginFrameSchema.safeParse(value);
    if (!r.success) throw zodToError(r.error, 'frame');
    return r.data;
  }
  if (type === 'req') {
    const r = requestEnvelopeSchema.safeParse(value);
    if (!r.success) throw zodToError(r.error, 'frame');
    const { id, op, params } = r.data;
    if (!isOp(op)) throw invalidParameter('op', `unknown operation "${op.slice(0, 64)}"`);
    return { type: 'req', id, op, params: parseParams(op, params) } as RequestFrame;
  }
  throw invalidParameter('frame', 'unknown frame type');
}

/** Validates the parameters of one operation (the SDK calls this before sending). */
export function parseParams<K extends Op>(op: K, params: unknown): OpParams<K> {
  const r = opSchemas[op].safeParse(params ?? {});
  if (!r.success) throw zodToError(r.error, 'params');
  return r.data as OpParams<K>;
}

/** Turns the first zod issue into 8001 naming the top-level parameter (or `fallback`). */
function zodToError(error: z.ZodError, fallback: string): RingletError {
  const issue = error.issues[0];
  // An unknown key names itself; otherwise the first path segment is the parameter.
  const key = issue?.code === 'unrecognized_keys' ? issue.keys[0] : issue?.path[0];
  return invalidParameter(typeof key === 'string' ? key : fallback, issue?.message ?? 'invalid');
}

// ---- server → client ------------------------------------------------------------

export type ResultFrame =
  | { type: 'res'; id: string; code: 0; data: unknown }
  | ({ type: 'res'; id: string } & ErrorBody);

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

/**
 * One delivered event. `seq` orders a user's stored events and makes replay exact;
 * online-only events have no seq and are never replayed. A push carries a signaling
 * event, a message, or both (a signaling action is also a history message).
 */
export interface PushFrame {
  type: 'push';
  seq: number | null;
  signal?: SignalingEvent;
  message?: Message;
}

/** My whole group list: sent once at every login, before `synced` (the baseline deltas apply to). */
export interface GroupsFrame {
  type: 'groups';
  groupList: Group[];
}
/**
 * One change to my group list: a group I joined or was added to, one whose profile
 * changed (a new owner), or one I left, was removed from or that was dismissed.
 */
export interface GroupDeltaFrame {
  type: 'groupDelta';
  change: 'added' | 'updated' | 'removed';
  group: Group;
}
export interface ConversationsFrame {
  type: 'conversations';
  conversationList: Conversation[];
}
export interface PongFrame {
  type: 'pong';
  serverTime: number;
}
export interface KickedFrame {
  type: 'kicked';
  reason: 'user_sig_expired' | 'device_limit';
}
/** Sent once the login replay/announcements are done: everything after is live. */
export interface SyncedFrame {
  type: 'synced';
  seq: number;
}

export type ServerFrame = ResultFrame | PushFrame | GroupsFrame | GroupDeltaFrame | ConversationsFrame | PongFrame | KickedFrame | SyncedFrame;
