/**
 * The `data` string Ringlet puts in invitations, following the seed's 1v1 call flow:
 * a call invite carries the room and media type; a busy reject says why; hang-up is a
 * new invitation whose data marks end-of-call with the duration (seed, step 5).
 * Anything else (another app's data) still decodes, as a plain audio call.
 */
import * as z from 'zod/mini';

/** The media of a call. */
export const CALL_TYPES = ['audio', 'video'] as const;
export type CallType = (typeof CALL_TYPES)[number];

/** What every call data says: its version and the call's media room. */
interface CallData {
  version: 1;
  roomID: string;
}
/** Data about a call already made: the inviteID of that call. */
interface CallFollowUp extends CallData {
  /** inviteID of the call this belongs to. */
  callInviteID: string;
}

/** Data of a call invitation. */
export interface CallInviteData extends CallData {
  callType: CallType;
  /** A classroom (the group owner teaches; students listen until picked): always runs on the SFU. */
  mode?: 'classroom';
  /** Written by the server only (transferCall, addToCall): this invitation joins a running call. */
  join?: CallJoin;
  /**
   * Who holds the call now (Ringlet's hold, set with modifyInvitation on the answered
   * call): media flows while nobody does. Absent or empty: not on hold.
   */
  hold?: string[];
}

/**
 * What the server writes into the data of an invitation made by `transferCall` or `addToCall`
 * (docs/API.md "Transfer and add someone"). Clients cannot write it: the server refuses
 * `invite`/`inviteInGroup` data that carries a `join` key (8001 `data`), so a ringing card that
 * says "alice, transferred by bob" or "bob adds you to a call with alice" is the server's word.
 * A schema so that the extension's stored call records (zod/mini) use it rather than restate it.
 */
export const callJoinSchema = z.object({
  /** `transfer`: `by` handed the call's other party (the inviter) to the invitee; `add`: `by` (the inviter) adds the invitee. */
  kind: z.enum(['transfer', 'add']),
  /** The party who transferred or added (the authenticated requester). */
  by: z.string(),
  /** The running call's inviteID. */
  callInviteID: z.string(),
  /** Who is in the call the invitee joins (for a transfer: the transferred party only). */
  parties: z.array(z.string()),
});
export type CallJoin = z.infer<typeof callJoinSchema>;

/** The top-level key of invitation data only the server writes. */
export const JOIN_KEY = 'join';
/** Data of the hang-up invitation sent when a call ends. */
export interface CallEndData extends CallFollowUp {
  callEnd: number;
  /** Why the call ended when it was not a hang-up button: `peer_lost`, `connection_failed`, `window_closed`, `transferred`. */
  reason?: string;
  /** With `reason: 'transferred'`: the invitation transferCall made (the other party rings the target through it). */
  transferInviteID?: string;
}
/**
 * Classroom actions on a class (a group call started with `mode: 'classroom'`; the seed's
 * hand-raise scenario), sent with inviteInGroup. By the teacher (the group's owner who
 * started it): `raiseHand` to the students (accepting = raising a hand), `speak` to the one
 * student chosen (accepting = taking the floor), `endSpeak` to the speaker (the teacher
 * takes the floor back), `lowerHands` to the students whose hands are up (every hand goes
 * down). By a student: `lowerHand` to the teacher (lowers the hand; the speaker gives the
 * floor back), `handUp` to the teacher (raises a hand unasked). Like the seed's hang-up,
 * all but the first two are new invitations that say something; their invitees accept
 * them quietly. The class ends with the seed's hang-up sent by the teacher to everyone in
 * it (`reason: 'class_ended'`, or why the teacher's window went away).
 */
export const CLASSROOM_ACTIONS = ['raiseHand', 'speak', 'endSpeak', 'lowerHand', 'handUp', 'lowerHands'] as const;
/** The end-of-call reason of a class its teacher ended for everyone. */
export const CLASS_ENDED = 'class_ended';
export interface ClassroomData extends CallFollowUp {
  classroom: (typeof CLASSROOM_ACTIONS)[number];
}
/** Data of an automatic reject: line busy, or do-not-disturb. */
export interface BusyData {
  version: 1;
  reason: 'busy';
  detail: 'in_call' | 'do_not_disturb';
}

function parseObject(data: string): Record<string, unknown> | null {
  if (!data) return null;
  try {
    const value: unknown = JSON.parse(data);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export function newRoomID(): string {
  return crypto.randomUUID();
}

export function encodeInvite(roomID: string, callType: CallType, mode?: CallInviteData['mode'], hold?: readonly string[]): string {
  return JSON.stringify({ version: 1, roomID, callType, ...(mode ? { mode } : {}), ...(hold && hold.length > 0 ? { hold: [...hold] } : {}) } satisfies CallInviteData);
}

/** Most holders a call's data is read with (a 1:1 call has two parties). */
const MAX_HOLDERS = 16;

/** Who holds the call, from its (modified) invitation data: distinct user IDs, at most MAX_HOLDERS. */
export function decodeHold(data: string): string[] {
  const o = parseObject(data);
  if (!Array.isArray(o?.hold)) return [];
  return [...new Set(o.hold.filter((u): u is string => typeof u === 'string' && u.length > 0 && u.length <= 64))].slice(0, MAX_HOLDERS);
}

export function encodeCallEnd(callInviteID: string, roomID: string, durationSeconds: number, reason?: string, transferInviteID?: string): string {
  return JSON.stringify({ version: 1, callEnd: durationSeconds, callInviteID, roomID, ...(reason ? { reason } : {}), ...(transferInviteID ? { transferInviteID } : {}) } satisfies CallEndData);
}

export function encodeClassroom(action: ClassroomData['classroom'], roomID: string, callInviteID: string): string {
  return JSON.stringify({ version: 1, classroom: action, roomID, callInviteID } satisfies ClassroomData);
}

/** A classroom action, or null when the data is anything else. */
export function decodeClassroom(data: string): ClassroomData | null {
  const o = parseObject(data);
  const action = CLASSROOM_ACTIONS.find((a) => a === o?.classroom);
  if (!o || !action || typeof o.roomID !== 'string') return null;
  return { version: 1, classroom: action, roomID: o.roomID, callInviteID: typeof o.callInviteID === 'string' ? o.callInviteID : '' };
}

export function encodeBusy(detail: BusyData['detail']): string {
  return JSON.stringify({ version: 1, reason: 'busy', detail } satisfies BusyData);
}

/** Reads a call invitation's data; unknown shapes are an audio call in a room named after nothing. */
export function decodeInvite(data: string): Pick<CallInviteData, 'roomID' | 'callType' | 'mode' | 'join'> {
  const o = parseObject(data);
  const join = decodeJoin(o?.[JOIN_KEY]);
  return {
    roomID: typeof o?.roomID === 'string' ? o.roomID : '',
    callType: o?.callType === 'video' ? 'video' : 'audio',
    ...(o?.mode === 'classroom' ? { mode: 'classroom' as const } : {}),
    ...(join ? { join } : {}),
  };
}

function decodeJoin(v: unknown): CallJoin | null {
  const parsed = callJoinSchema.safeParse(v);
  return parsed.success ? parsed.data : null;
}

/** Whether invitation data carries the key only the server writes (a client's invite with it is refused). */
export function hasJoinKey(data: string): boolean {
  const o = parseObject(data);
  return o !== null && Object.hasOwn(o, JOIN_KEY);
}

/** The data of an invitation made by transferCall / addToCall: the running call's room and media, and the join. */
export function encodeJoinInvite(roomID: string, callType: CallType, join: CallJoin): string {
  return JSON.stringify({ version: 1, roomID, callType, [JOIN_KEY]: join });
}

/** The end-of-call marker, or null when the data is an ordinary invitation. */
export function decodeCallEnd(data: string): CallEndData | null {
  const o = parseObject(data);
  if (!o || typeof o.callEnd !== 'number') return null;
  return {
    version: 1,
    callEnd: o.callEnd,
    callInviteID: typeof o.callInviteID === 'string' ? o.callInviteID : '',
    roomID: typeof o.roomID === 'string' ? o.roomID : '',
    ...(typeof o.reason === 'string' ? { reason: o.reason } : {}),
    ...(typeof o.transferInviteID === 'string' ? { transferInviteID: o.transferInviteID } : {}),
  };
}

export function isBusy(data: string): boolean {
  const o = parseObject(data);
  return o?.reason === 'busy' || o?.line_busy !== undefined;
}
