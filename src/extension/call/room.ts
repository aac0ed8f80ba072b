/**
 * Who is in a call's room and who connects to whom, as a pure transition
 * `transition(room, event) → { room, effects }` (a reducer in the style of xstate): the call window's
 * runner sends the messages and drives the peer connections; every rule of joining,
 * glare avoidance, heartbeats, the participant limit and leaving is unit-tested here.
 *
 * - Presence: each window announces itself with `hello` on joining and every
 *   HELLO_INTERVAL_MS after (the heartbeat); a newcomer is answered with an immediate
 *   `hello` so it does not wait a whole interval.
 * - Glare: of two participants, the lexicographically smaller userID creates every offer
 *   (also ICE restarts); the other only answers. So two offers never cross.
 * - Liveness: a participant not heard of for PEER_TIMEOUT_MS is gone, as is one that says
 *   `bye` or whose connection failed for good.
 * - A full mesh: at most MAX_PARTICIPANTS (me included); later arrivals are refused.
 * - Admission: only the call's participants as the server knows them (the inviter and
 *   the invitees whose acceptance it announced, `allowed`); the sender is the server's
 *   authenticated `from`, never the message's own claim (session.ts). Knowing the
 *   room ID (every group member receives it) is not enough; anyone else is ignored.
 * - Removal: a participant who left the call's group (the server says so) is dropped at
 *   once and never admitted again in this room, whatever the worker's list still says.
 */
import type { MediaState, RtcMessage } from '../../protocol/rtc-data.ts';

export const MAX_PARTICIPANTS = 6;
export const HELLO_INTERVAL_MS = 1000;
export const PEER_TIMEOUT_MS = 4500;

export interface Participant {
  userID: string;
  /** The participant's call-window session; a new one (reloaded window) is a new peer. */
  sid: string;
  lastSeen: number;
  media: MediaState;
  /** True when I create the offers to this participant. */
  offerer: boolean;
}

export interface RoomState {
  me: string;
  sid: string;
  roomID: string;
  participants: Participant[];
  /** Who may join: the call's participants as the worker learned them from the server. */
  allowed: string[];
  /** Participants who left the call's group: never admitted again. */
  removed: string[];
  left: boolean;
}

export type LeaveReason = 'bye' | 'timeout' | 'replaced' | 'failed' | 'removed';

export type RoomEvent =
  | { type: 'received'; msg: RtcMessage; now: number }
  | { type: 'tick'; now: number }
  /** The peer connection failed even after its ICE restart. */
  | { type: 'failed'; userID: string }
  /** The worker learned of more participants (an invitee accepted). */
  | { type: 'admit'; allowed: string[] }
  /** The server says these users left the call's group (removed, quit, or it was dismissed). */
  | { type: 'removed'; userIDs: string[] }
  | { type: 'leave' };

export type RoomEffect =
  /** Create the peer connection; the offerer starts negotiating. */
  | { type: 'connect'; userID: string; sid: string; offerer: boolean }
  | { type: 'disconnect'; userID: string; reason: LeaveReason }
  /** Hand an SDP part, a candidate or a restart request to that peer's connection. */
  | { type: 'deliver'; userID: string; msg: Extract<RtcMessage, { type: 'sdp' | 'candidate' | 'restart' }> }
  /** Send my `hello` now (to answer a newcomer). */
  | { type: 'announce' }
  /** Send `bye` (I leave). */
  | { type: 'bye' }
  | { type: 'refused'; userID: string }
  /** A message from someone who is not a participant of the call: dropped. */
  | { type: 'ignored'; userID: string }
  /** A participant added these people (its `admit`): they may join now; my worker should know. */
  | { type: 'vouched'; userIDs: string[]; by: string };

export interface RoomResult {
  room: RoomState;
  effects: RoomEffect[];
}

export function createRoom(me: string, sid: string, roomID: string, allowed: readonly string[]): RoomState {
  return { me, sid, roomID, participants: [], allowed: [...allowed], removed: [], left: false };
}

/** The glare rule: the smaller userID offers. */
export function isOfferer(me: string, peer: string): boolean {
  return me < peer;
}

const withoutUser = (room: RoomState, userID: string): RoomState => ({
  ...room,
  participants: room.participants.filter((p) => p.userID !== userID),
});

export function transition(room: RoomState, event: RoomEvent): RoomResult {
  if (room.left) return { room, effects: [] };
  switch (event.type) {
    case 'leave':
      return {
        room: { ...room, participants: [], left: true },
        effects: [...room.participants.map((p) => ({ type: 'disconnect' as const, userID: p.userID, reason: 'bye' as const })), { type: 'bye' }],
      };
    case 'tick': {
      const gone = room.participants.filter((p) => event.now - p.lastSeen > PEER_TIMEOUT_MS);
      if (gone.length === 0) return { room, effects: [] };
      return {
        room: { ...room, participants: room.participants.filter((p) => !gone.includes(p)) },
        effects: gone.map((p) => ({ type: 'disconnect', userID: p.userID, reason: 'timeout' })),
      };
    }
    case 'admit': {
      const allowed = [...new Set([...room.allowed, ...event.allowed])].filter((u) => !room.removed.includes(u));
      return allowed.length === room.allowed.length ? { room, effects: [] } : { room: { ...room, allowed }, effects: [] };
    }
    case 'removed': {
      const gone = event.userIDs.filter((u) => u !== room.me && !room.removed.includes(u));
      if (gone.length === 0) return { room, effects: [] };
      return {
        room: {
          ...room,
          removed: [...room.removed, ...gone],
          allowed: room.allowed.filter((u) => !gone.includes(u)),
          participants: room.participants.filter((p) => !gone.includes(p.userID)),
        },
        effects: room.participants.filter((p) => gone.includes(p.userID)).map((p) => ({ type: 'disconnect' as const, userID: p.userID, reason: 'removed' as const })),
      };
    }
    case 'failed':
      if (!room.participants.some((p) => p.userID === event.userID)) return { room, effects: [] };
      return { room: withoutUser(room, event.userID), effects: [{ type: 'disconnect', userID: event.userID, reason: 'failed' }] };
    case 'received':
      return received(room, event.msg, event.now);
  }
}

function received(room: RoomState, msg: RtcMessage, now: number): RoomResult {
  // Not this room, or my own (my other devices hear my C2C messages too).
  if (msg.roomID !== room.roomID || msg.from === room.me) return { room, effects: [] };
  if ('to' in msg && (msg.to !== room.me || msg.toSid !== room.sid)) return { room, effects: [] };
  if (!room.allowed.includes(msg.from)) return { room, effects: [{ type: 'ignored', userID: msg.from }] };
  const known = room.participants.find((p) => p.userID === msg.from);

  if (msg.type === 'admit') {
    // A participant vouches for people it added (the runner passes this on only in C2C rooms).
    const fresh = msg.users.filter((u) => u !== room.me && !room.allowed.includes(u) && !room.removed.includes(u));
    if (fresh.length === 0) return { room, effects: [] };
    return { room: { ...room, allowed: [...room.allowed, ...fresh] }, effects: [{ type: 'vouched', userIDs: fresh, by: msg.from }] };
  }

  if (msg.type === 'bye') {
    if (!known || known.sid !== msg.sid) return { room, effects: [] };
    return { room: withoutUser(room, msg.from), effects: [{ type: 'disconnect', userID: msg.from, reason: 'bye' }] };
  }

  const effects: RoomEffect[] = [];
  let next = room;
  if (known && known.sid !== msg.sid) {
    // The same user in a new window: the old connection is stale.
    if (msg.type !== 'hello' && msg.type !== 'sdp') return { room, effects: [] }; // late message of either session
    next = withoutUser(next, msg.from);
    effects.push({ type: 'disconnect', userID: msg.from, reason: 'replaced' });
  }
  let peer = next.participants.find((p) => p.userID === msg.from);
  if (!peer) {
    // Someone new: a hello, or an offer that overtook its sender's hello.
    if (msg.type !== 'hello' && !(msg.type === 'sdp' && msg.kind === 'offer')) return { room: next, effects };
    if (next.participants.length + 1 >= MAX_PARTICIPANTS) return { room: next, effects: [...effects, { type: 'refused', userID: msg.from }] };
    peer = {
      userID: msg.from,
      sid: msg.sid,
      lastSeen: now,
      media: msg.type === 'hello' ? msg.media : { audio: true, video: false },
      offerer: isOfferer(room.me, msg.from),
    };
    next = { ...next, participants: [...next.participants, peer] };
    effects.push({ type: 'connect', userID: peer.userID, sid: peer.sid, offerer: peer.offerer }, { type: 'announce' });
  } else {
    const updated: Participant = { ...peer, lastSeen: now, ...(msg.type === 'hello' ? { media: msg.media } : {}) };
    next = { ...next, participants: next.participants.map((p) => (p === peer ? updated : p)) };
  }
  if (msg.type !== 'hello') effects.push({ type: 'deliver', userID: msg.from, msg });
  return { room: next, effects };
}
