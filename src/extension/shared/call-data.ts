/**
 * The `data` string Ringlet puts in invitations, following the seed's 1v1 call flow:
 * a call invite carries the room and media type; a busy reject says why; hang-up is a
 * new invitation whose data marks end-of-call with the duration (seed, step 5).
 * Anything else (another app's data) still decodes, as a plain audio call.
 */

/** Data of a call invitation. */
export interface CallInviteData {
  version: 1;
  roomID: string;
  callType: 'audio' | 'video';
}
/** Data of the hang-up invitation sent when a call ends. */
export interface CallEndData {
  version: 1;
  callEnd: number;
  /** inviteID of the call that ended. */
  callInviteID: string;
  roomID: string;
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

export function encodeInvite(roomID: string, callType: 'audio' | 'video'): string {
  return JSON.stringify({ version: 1, roomID, callType } satisfies CallInviteData);
}

export function encodeCallEnd(callInviteID: string, roomID: string, durationSeconds: number): string {
  return JSON.stringify({ version: 1, callEnd: durationSeconds, callInviteID, roomID } satisfies CallEndData);
}

export function encodeBusy(detail: BusyData['detail']): string {
  return JSON.stringify({ version: 1, reason: 'busy', detail } satisfies BusyData);
}

/** Reads a call invitation's data; unknown shapes are an audio call in a room named after nothing. */
export function decodeInvite(data: string): { roomID: string; callType: 'audio' | 'video' } {
  const o = parseObject(data);
  return {
    roomID: typeof o?.roomID === 'string' ? o.roomID : '',
    callType: o?.callType === 'video' ? 'video' : 'audio',
  };
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
  };
}

export function isBusy(data: string): boolean {
  const o = parseObject(data);
  return o?.reason === 'busy' || o?.line_busy !== undefined;
}
