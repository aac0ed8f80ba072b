/**
 * Group media through the SFU (docs/CALLS.md "Classrooms and large calls: the SFU"):
 * which calls use it, and what a join grant holds. Shared by server, SDK and extension.
 */

/** A full mesh carries at most this many participants; larger calls use the SFU. */
export const MESH_LIMIT = 6;

/** What `getSfuJoin` answers: where and how one user joins one call's SFU room. */
export interface SfuJoin {
  /** The SFU's WebSocket URL (the Janus JSON API), e.g. ws://127.0.0.1:8188. */
  url: string;
  /** The Janus videoroom of this call. */
  room: number;
  /** This user's join token for that room (the room refuses anyone without one). */
  token: string;
  /** The publisher id this user must join with (others are kicked). */
  feed: number;
  /** teacher: publishes audio+video; student: listen-only until given the floor; member: a plain large call. */
  role: 'teacher' | 'student' | 'member';
  /** Maximum video bitrate a publisher may send, bits per second. */
  videoBitrate: number;
}

/**
 * What this server offers beyond the seed (`getCapabilities`, a Ringlet extension): clients
 * ask instead of inferring it from refusals.
 */
export interface ServerCapabilities {
  /** Group calls larger than the mesh and classrooms run on an SFU (`getSfuJoin` grants them). */
  sfu: boolean;
  /** The largest group call the peer-to-peer mesh carries. */
  meshLimit: number;
}

/** A call invitation's data marks a classroom with `"mode":"classroom"`. */
export interface CallRouteInput {
  data: string;
  /** Invitees of the call (the inviter not counted). */
  invitees: number;
  groupID: string;
}

/** mesh for 1:1 and small group calls; sfu for a classroom or a call larger than the mesh. */
export function callRoute(c: CallRouteInput): 'mesh' | 'sfu' {
  if (!c.groupID) return 'mesh';
  if (c.invitees + 1 > MESH_LIMIT) return 'sfu';
  return isClassroomCall(c.data) ? 'sfu' : 'mesh';
}

export function isClassroomCall(data: string): boolean {
  try {
    const o: unknown = JSON.parse(data);
    return typeof o === 'object' && o !== null && (o as { mode?: unknown }).mode === 'classroom';
  } catch {
    return false;
  }
}
