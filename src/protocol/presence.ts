/**
 * User status (presence), with Tencent Cloud Chat's names and values (Ringlet additions:
 * getUserStatus, subscribeUserStatus, unsubscribeUserStatus, setSelfStatus and the event
 * USER_STATUS_UPDATED; docs/API.md "Presence"). A user's status is shown only to people
 * the user knows (a contact of theirs, or someone sharing a group with them) and does not
 * block; everyone else is answered USER_STATUS_UNKNOWN, exactly as for a user that does
 * not exist.
 */

/** `statusType`: Tencent's TYPES.USER_STATUS_* values. Ringlet never answers UNLOGINED. */
export const USER_STATUS = {
  /** Not shown to you (you are a stranger to that user, they block you, or there is no such user). */
  UNKNOWN: 0,
  /** At least one session connected. */
  ONLINE: 1,
  /** No session connected. */
  OFFLINE: 2,
  UNLOGINED: 3,
} as const;
export type UserStatusType = (typeof USER_STATUS)[keyof typeof USER_STATUS];

/** One user's status: what getUserStatus lists and USER_STATUS_UPDATED carries. */
export interface UserStatus {
  userID: string;
  statusType: UserStatusType;
  /** What the user set with setSelfStatus ('' when none, offline or not shown). */
  customStatus: string;
}

/**
 * The custom statuses Ringlet's extension sets (any other string is an app's own):
 * `dnd` while Do not disturb is on, else `in_call` while in a call.
 */
export const CUSTOM_STATUS = { IN_CALL: 'in_call', DND: 'dnd' } as const;

/** Characters of a custom status. */
export const CUSTOM_STATUS_MAX_LENGTH = 100;
/** Users per getUserStatus request (Tencent's 500). */
export const STATUS_QUERY_MAX = 500;
/** Users per subscribeUserStatus / unsubscribeUserStatus request (Tencent's 100). */
export const STATUS_SUBSCRIBE_MAX = 100;

/** What the popup shows for one person. */
export const PRESENCE_STATES = ['online', 'in_call', 'dnd', 'offline', 'unknown'] as const;
export type PresenceState = (typeof PRESENCE_STATES)[number];

/** The presence a status stands for (an app's own custom status counts as online). */
export function presenceOf(s: Pick<UserStatus, 'statusType' | 'customStatus'>): PresenceState {
  if (s.statusType === USER_STATUS.UNKNOWN) return 'unknown';
  if (s.statusType !== USER_STATUS.ONLINE) return 'offline';
  if (s.customStatus === CUSTOM_STATUS.DND) return 'dnd';
  if (s.customStatus === CUSTOM_STATUS.IN_CALL) return 'in_call';
  return 'online';
}

/** Whether `v` is a well-formed UserStatus (the codec's check of a pushed frame). */
export function isUserStatus(v: unknown): v is UserStatus {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Record<string, unknown>;
  return typeof s.userID === 'string' && typeof s.customStatus === 'string' && (s.statusType === 0 || s.statusType === 1 || s.statusType === 2 || s.statusType === 3);
}
