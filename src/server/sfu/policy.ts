/**
 * Who may send what in an SFU room, and what the server does about the publishers it
 * sees (pure; rooms.ts performs the actions). In a classroom the teacher sends audio and
 * video, the student with the floor sends audio, everyone else is listen-only; in a plain
 * large call everyone may send. A participant is bound to the feed id and display the
 * server granted its user: any other id (never granted, or retired when its holder left)
 * or a display that is not the feed's user is kicked.
 */
import { ErrorCode, limitExceeded, RingletError } from '../../protocol/errors.ts';
import { callRoute, isClassroomCall, type SfuJoin } from '../../protocol/sfu.ts';
import type { Group } from '../../protocol/im.ts';
import type { Invitation } from '../model/invitation.ts';
import type { PublishedStream, PublisherInfo } from './janus.ts';

export interface FloorState {
  classroom: boolean;
  teacher: string;
  speaker: string | null;
}

/** Whose room it is, for the caps: the call's inviter and group. */
export interface RoomHolder {
  inviter: string;
  groupID: string;
}

/** How many rooms may be open at once: on this node, per inviter, per group. */
export interface RoomCaps {
  maxRooms: number;
  maxRoomsPerUser: number;
  maxRoomsPerGroup: number;
}

/**
 * Why a new room for `holder` may not open while `open` rooms are (8040 with the cap's
 * name), or null. One account or one group cannot take the node's rooms from everyone else.
 */
export function roomCapRefusal(open: readonly RoomHolder[], holder: RoomHolder, caps: RoomCaps): RingletError | null {
  if (open.length >= caps.maxRooms) return limitExceeded('sfu_rooms', `the SFU carries at most ${caps.maxRooms} rooms at once`);
  if (open.filter((h) => h.inviter === holder.inviter).length >= caps.maxRoomsPerUser) {
    return limitExceeded('sfu_rooms_per_user', `at most ${caps.maxRoomsPerUser} SFU rooms at once for the calls of one inviter; end one first`);
  }
  if (open.filter((h) => h.groupID === holder.groupID).length >= caps.maxRoomsPerGroup) {
    return limitExceeded('sfu_rooms_per_group', `at most ${caps.maxRoomsPerGroup} SFU rooms at once for the calls of one group; end one first`);
  }
  return null;
}

export function mayPublish(s: FloorState, userID: string, kind: PublishedStream['type']): boolean {
  if (!s.classroom || userID === s.teacher) return true;
  return userID === s.speaker && kind === 'audio';
}

/**
 * Whether a participant that joined (or publishes) as `feed` with `display` is the one the
 * server granted that feed to: the feed is live in `feeds` and the display is its user.
 */
export function boundUser(feeds: ReadonlyMap<number, string>, feed: number, display: string): string | null {
  const user = feeds.get(feed);
  return user !== undefined && user === display ? user : null;
}

/** Who has the floor after a classroom action `by` someone (the server has already authenticated `by`). */
export function floorAfter(s: FloorState, action: string, by: string): string | null {
  if (!s.classroom) return s.speaker;
  if (action === 'speak') return by; // `by` accepted the owner's "speak" invitation (service.ts checked it)
  if (action === 'endSpeak') return by === s.teacher ? null : s.speaker;
  if (action === 'lowerHand') return by === s.speaker ? null : s.speaker;
  return s.speaker;
}

export type ModerationAction =
  | { type: 'kick'; feed: number }
  | { type: 'mute'; feed: number; mid: string; mute: boolean };

/**
 * The actions that bring the room in line: `feeds` maps each granted publisher id to its
 * user; `muted` holds the current moderation of each `feed:mid` ("absent" = never touched,
 * i.e. not muted). Returns only changes.
 */
export function moderate(
  s: FloorState,
  publishers: readonly PublisherInfo[],
  feeds: ReadonlyMap<number, string>,
  muted: ReadonlyMap<string, boolean>,
  ignore: ReadonlySet<number>,
): ModerationAction[] {
  const actions: ModerationAction[] = [];
  for (const p of publishers) {
    if (ignore.has(p.feed)) continue;
    const user = boundUser(feeds, p.feed, p.display);
    if (user === null) {
      actions.push({ type: 'kick', feed: p.feed });
      continue;
    }
    for (const st of p.streams) {
      if (st.type === 'data') continue;
      const mute = !mayPublish(s, user, st.type);
      if ((muted.get(`${p.feed}:${st.mid}`) ?? false) !== mute) actions.push({ type: 'mute', feed: p.feed, mid: st.mid, mute });
    }
  }
  return actions;
}

/** How long after its invitation a call may still open an SFU room. */
export const MAX_CALL_AGE_MS = 12 * 3600_000;

/**
 * Checks that `userID` may join the SFU room of invitation `inv` (API.md getSfuJoin):
 * a group call routed to the SFU, not too old, the user a current member of its group and
 * its inviter or an invitee who accepted it; the inviter only once an invitee has accepted
 * (a room opens when the first invitee accepts, not at invite). Returns the user's role;
 * throws 8011 otherwise (`not_participant` is the same answer whether the invitation
 * exists or not, so nobody learns about calls they are not in).
 */
export function joinRole(inv: Invitation | null, group: Group | null, member: boolean, userID: string, now: number): SfuJoin['role'] {
  const refuse = (reason: string, message: string) => new RingletError(ErrorCode.NOT_PERMITTED, reason, message);
  const participant = inv !== null && (inv.inviter === userID || inv.parts[userID] === 'accepted');
  if (!inv || !participant || !group || !member) throw refuse('not_participant', 'only the call\'s inviter and the invitees who accepted it, while members of its group, may join its SFU room');
  if (callRoute({ data: inv.data, invitees: inv.inviteeList.length, groupID: inv.groupID }) !== 'sfu')
    throw refuse('mesh_call', 'this call is small enough for the peer-to-peer mesh; it has no SFU room');
  if (now - inv.createdAt > MAX_CALL_AGE_MS) throw refuse('call_over', 'this call is too old to join');
  if (!Object.values(inv.parts).includes('accepted')) throw refuse('not_answered', 'nobody has accepted this call yet; its SFU room opens when the first invitee accepts');
  if (!isClassroomCall(inv.data)) return 'member';
  return group.ownerID === userID ? 'teacher' : 'student';
}
