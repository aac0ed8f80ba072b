/**
 * The one place frames become text and text becomes frames, for both ends (in the manner of
 * graphql-ws's common.ts): `encodeFrame` writes every frame either end sends, the typed
 * `serverFrame` constructors build the server's, `decodeClientFrame` reads what a client
 * sent (the server: full validation with the contract's schemas) and `decodeServerFrame`
 * what the server sent (the SDK: a cheap check of the shape, on the hot path of every event).
 */
import * as z from 'zod/mini';
import { en } from 'zod/locales';
import { ErrorCode, invalidParameter, RingletError, type ErrorBody } from './errors.ts';
import {
  loginFrameSchema, pingFrameSchema, REQUEST_ID_PATTERN, requestEnvelopeSchema,
  type ClientFrame, type GroupChange, type KickReason, type LoginFrame, type LoginResult, type PingFrame, type Reply, type RequestFrame, type ServerFrame,
} from './frames.ts';
import { GROUP_TYPES, type Group, type GroupInvitation, type Message } from './im.ts';
import { isUserStatus, type UserStatus } from './presence.ts';
import { isOp, paramsSchema, type Op, type OpParams } from './ops.ts';
import { isSignalingEventName, type SignalingEvent } from './signaling.ts';

// zod/mini carries no messages of its own: English ones for the 8001 errors, as the server's.
z.config(en());

/** A frame as the text of one WebSocket message. */
export function encodeFrame<K extends Op = Op>(frame: LoginFrame | PingFrame | RequestFrame<K> | ServerFrame): string {
  return JSON.stringify(frame);
}

/** The server's frames, built only here (their shapes are frames.ts's). */
export const serverFrame = {
  result: (id: string, reply: Reply): string => encodeFrame({ type: 'res', id, ...reply }),
  /** A push from its body already encoded (`{"signal":…,"message":…}`, as the event log stores it): built once, sent to many. */
  push: (seq: number | null, encodedBody: string): string => `{"type":"push","seq":${seq === null ? 'null' : seq},${encodedBody.slice(1)}`,
  groups: (groupList: Group[]): string => encodeFrame({ type: 'groups', groupList }),
  groupDelta: (change: GroupChange, group: Group): string => encodeFrame({ type: 'groupDelta', change, group }),
  groupMembersRemoved: (groupID: string, userIDList: string[]): string => encodeFrame({ type: 'groupMembersRemoved', groupID, userIDList }),
  groupInvitation: (invitation: GroupInvitation): string => encodeFrame({ type: 'groupInvitation', invitation }),
  userStatus: (userStatusList: UserStatus[]): string => encodeFrame({ type: 'userStatus', userStatusList }),
  pong: (serverTime: number): string => encodeFrame({ type: 'pong', serverTime }),
  kicked: (reason: KickReason): string => encodeFrame({ type: 'kicked', reason }),
  synced: (seq: number): string => encodeFrame({ type: 'synced', seq }),
};

// ---- what a client sent (the server) -------------------------------------------------

/** A client frame read from text: the frame, or why not and whether the error can be answered. */
export type ClientDecoding =
  | { ok: true; frame: ClientFrame }
  /** `replyTo`: the id of a login or request the error answers; null: close the socket (4400). */
  | { ok: false; error: RingletError; replyTo: string | null };

/** Reads one text message from a client; never throws. */
export function decodeClientFrame(text: string): ClientDecoding {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, error: new RingletError(ErrorCode.INVALID_PARAMETER, 'frame', 'frame is not JSON'), replyTo: null };
  }
  try {
    return { ok: true, frame: parseClientFrame(value) };
  } catch (err) {
    const error = err instanceof RingletError ? err : invalidParameter('frame', 'bad frame');
    return { ok: false, error, replyTo: requestIdOf(value) };
  }
}

/**
 * Validates one decoded client frame. Envelope problems throw a RingletError 8001 whose
 * reason is 'frame'; parameter problems throw 8001 with the parameter's name as reason.
 */
export function parseClientFrame(value: unknown): ClientFrame {
  if (!isObject(value)) throw invalidParameter('frame', 'not an object');
  const type = value.type;
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
    return request(id, op, params);
  }
  throw invalidParameter('frame', 'unknown frame type');
}

function request<K extends Op>(id: string, op: K, params: unknown): RequestFrame<K> {
  return { type: 'req', id, op, params: parseParams(op, params) };
}

/** Validates the parameters of one operation (the SDK calls this before sending). */
export function parseParams<K extends Op>(op: K, params: unknown): OpParams<K> {
  const r = paramsSchema(op).safeParse(params ?? {});
  if (!r.success) throw zodToError(r.error, 'params');
  const nul = nulAt(r.data, null);
  if (nul !== null) throw invalidParameter(nul, 'must not contain NUL (U+0000)');
  return r.data;
}

/**
 * The top-level parameter holding a string with NUL (U+0000) anywhere inside it, or null.
 * No store keeps NUL the same way (PostgreSQL text refuses it), so it is refused up front.
 */
function nulAt(value: unknown, key: string | null): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? (key ?? 'params') : null;
  if (typeof value !== 'object' || value === null) return null;
  for (const [k, v] of Object.entries(value)) {
    if (k.includes('\u0000')) return key ?? 'params';
    const found = nulAt(v, key ?? k);
    if (found !== null) return found;
  }
  return null;
}

/** Turns the first zod issue into 8001 naming the top-level parameter (or `fallback`). */
function zodToError(error: z.core.$ZodError, fallback: string): RingletError {
  const issue = error.issues[0];
  // An unknown key names itself; otherwise the first path segment is the parameter.
  const key = issue?.code === 'unrecognized_keys' ? issue.keys[0] : issue?.path[0];
  return invalidParameter(typeof key === 'string' ? key : fallback, issue?.message ?? 'invalid');
}

/** The id of a login or request frame, if it has a well-formed one (its error can be answered). */
function requestIdOf(value: unknown): string | null {
  if (!isObject(value)) return null;
  const { type, id } = value;
  if ((type === 'req' || type === 'login') && typeof id === 'string' && REQUEST_ID_PATTERN.test(id)) return id;
  return null;
}

// ---- what the server sent (the SDK) --------------------------------------------------

/**
 * Reads one text message from the server: its type and the fields the SDK relies on are
 * checked (not every field of every event: the server is trusted to follow the contract).
 * A frame of a type this SDK does not know yet is `null` (a newer server may send more);
 * a malformed one throws a RingletError 2802 `bad_frame`, except a result whose id can be
 * read: it becomes that error's reply, so the request it answers fails at once.
 */
export function decodeServerFrame(text: string): ServerFrame | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw badFrame('not JSON');
  }
  if (!isObject(v)) throw badFrame('not an object');
  switch (v.type) {
    case 'res': {
      const { id } = v;
      if (typeof id !== 'string') throw badFrame('a result without an id');
      try {
        return { type: 'res', id, ...readReply(v) };
      } catch (err) {
        // Unreadable, but it says which request it answers: that request fails with the reason.
        if (err instanceof RingletError) return { type: 'res', id, ...err.toBody() };
        throw err;
      }
    }
    case 'push': {
      const { seq, signal, message } = v;
      if (seq !== null && !isSeq(seq)) throw badFrame('a push without a seq');
      const frame: ServerFrame = { type: 'push', seq };
      if (signal !== undefined) {
        if (!isObject(signal) || typeof signal.name !== 'string') throw badFrame('a push with a malformed signal');
        // An event this SDK does not know (a newer server) is left out; the message still counts.
        if (isSignalingEventName(signal.name)) {
          if (!isSignalingEvent(signal)) throw badFrame(`a malformed ${signal.name}`);
          frame.signal = signal;
        }
      }
      if (message !== undefined) {
        if (!isMessage(message)) throw badFrame('a push with a malformed message');
        frame.message = message;
      }
      return frame;
    }
    case 'groups':
      if (!Array.isArray(v.groupList) || !v.groupList.every(isGroup)) throw badFrame('a malformed group list');
      return { type: 'groups', groupList: v.groupList };
    case 'groupDelta': {
      const { change, group } = v;
      if ((change !== 'added' && change !== 'updated' && change !== 'removed') || !isGroup(group)) throw badFrame('a malformed group change');
      return { type: 'groupDelta', change, group };
    }
    case 'groupMembersRemoved': {
      const { groupID, userIDList } = v;
      if (typeof groupID !== 'string' || !Array.isArray(userIDList) || !userIDList.every((u) => typeof u === 'string')) throw badFrame('a malformed member removal');
      return { type: 'groupMembersRemoved', groupID, userIDList };
    }
    case 'groupInvitation': {
      const inv = v.invitation;
      if (!isObject(inv) || !isGroup(inv.group) || typeof inv.inviter !== 'string' || typeof inv.time !== 'number') throw badFrame('a malformed group invitation');
      return { type: 'groupInvitation', invitation: { group: inv.group, inviter: inv.inviter, time: inv.time } };
    }
    case 'userStatus':
      if (!Array.isArray(v.userStatusList) || !v.userStatusList.every(isUserStatus)) throw badFrame('a malformed user status list');
      return { type: 'userStatus', userStatusList: v.userStatusList };
    case 'pong':
      if (typeof v.serverTime !== 'number') throw badFrame('a pong without serverTime');
      return { type: 'pong', serverTime: v.serverTime };
    case 'kicked':
      if (v.reason !== 'user_sig_expired' && v.reason !== 'device_limit') throw badFrame('a kick without a known reason');
      return { type: 'kicked', reason: v.reason };
    case 'synced':
      if (!isSeq(v.seq)) throw badFrame('synced without a seq');
      return { type: 'synced', seq: v.seq };
    default:
      if (typeof v.type !== 'string') throw badFrame('a frame without a type');
      return null;
  }
}

/** A reply read back from JSON (a result frame's body, or a reply the server recorded): checked, never trusted blindly. */
export function decodeReply(text: string): Reply {
  const v: unknown = JSON.parse(text);
  if (!isObject(v)) throw badFrame('a reply that is not an object');
  return readReply(v);
}

/** The `data` of a successful login, or null when it lacks what the SDK needs. */
export function readLoginResult(data: unknown): LoginResult | null {
  if (!isObject(data)) return null;
  const { userID, seq, serverTime, resumed, expiresIn } = data;
  if (typeof userID !== 'string' || !isSeq(seq) || typeof serverTime !== 'number' || typeof resumed !== 'boolean' || typeof expiresIn !== 'number') return null;
  return { userID, seq, serverTime, resumed, expiresIn };
}

function readReply(v: Record<string, unknown>): Reply {
  const { code } = v;
  if (code === 0) return { code: 0, data: v.data };
  if (typeof code !== 'number' || typeof v.reason !== 'string' || typeof v.message !== 'string') throw badFrame('an error reply without code, reason and message');
  const body: ErrorBody = { code, reason: v.reason, message: v.message };
  if (Array.isArray(v.userIDList)) body.userIDList = v.userIDList.filter((u): u is string => typeof u === 'string');
  return body;
}

function badFrame(detail: string): RingletError {
  return new RingletError(ErrorCode.INTERNAL, 'bad_frame', `the server sent a frame this SDK cannot read: ${detail}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isSeq(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

function isGroup(v: unknown): v is Group {
  return isObject(v) && typeof v.groupID === 'string' && typeof v.name === 'string' && GROUP_TYPE_SET.has(v.type) && typeof v.ownerID === 'string';
}
const GROUP_TYPE_SET: ReadonlySet<unknown> = new Set(GROUP_TYPES);

/** The fields every signaling event carries (each event's own fields are the server's promise). */
function isSignalingEvent(v: Record<string, unknown>): v is SignalingEvent {
  const d = v.data;
  return isObject(d) && typeof d.inviteID === 'string' && typeof d.inviter === 'string' && typeof d.groupID === 'string';
}

function isMessage(v: unknown): v is Message {
  if (!isObject(v)) return false;
  const p = v.payload;
  return typeof v.ID === 'string' && typeof v.conversationID === 'string' && typeof v.from === 'string' && typeof v.to === 'string'
    && typeof v.time === 'number' && v.type === 'TIMCustomElem' && isObject(p) && typeof p.data === 'string';
}
