/** Limits of API.md rule 10, shared by the SDK's early checks and the server's authority. */
export const LIMITS = {
  /** Bytes of UTF-8 in an invitation's `data`. */
  dataBytes: 8192,
  /** Seconds; `timeout` is an integer from 0 to this. */
  maxTimeout: 86_400,
  defaultTimeout: 30,
  maxInvitees: 100,
  idMaxLength: 64,
  /** Messages per getMessageList page. */
  defaultPageSize: 15,
  maxPageSize: 100,
  groupNameMaxLength: 128,
  /** Members of one group, the owner included (8040 `group_size`). */
  maxGroupMembers: 1000,
  /** Groups one user may belong to, owned or not (8040 `groups_per_user`). */
  maxGroupsPerUser: 500,
  /** Bytes of UTF-8 in offlinePushInfo's free-text fields. */
  pushTextBytes: 1024,
} as const;

/** User and group IDs: 1 to 64 characters of [A-Za-z0-9_.@-]. */
export const ID_PATTERN = /^[A-Za-z0-9_.@-]{1,64}$/;

/** Characters of an account password (`/api/register`, `/api/login`; else 8001 `password`). */
export const PASSWORD_LENGTH = { min: 8, max: 256 } as const;

const encoder = new TextEncoder();

/** Length of `s` in UTF-8 bytes. */
export function utf8Bytes(s: string): number {
  // Fast path: pure ASCII strings are their own length.
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(s)) return s.length;
  return encoder.encode(s).length;
}
