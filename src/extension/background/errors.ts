/**
 * What a failed request tells a person. The SDK and the server fail with the protocol's
 * `RingletError` (a numeric code and a machine reason); a view shows a sentence. A
 * `ViewError` is that sentence's recipe: the stable code the views branch on, and the
 * translation key with its values. `fromSdk` is the one map from protocol codes to keys.
 */
import { ErrorCode, RingletError } from '../../protocol/errors.ts';
import type { MessageKey } from '../shared/i18n.ts';

export class ViewError extends Error {
  /** The protocol's code, or a code of the extension's own (`unreachable`, `rate_limited`). */
  readonly code: string | number;
  readonly key: MessageKey;
  /** The sentence's values; a `{ key }` is itself translated (the words of a limit). */
  readonly subs: Array<string | { key: MessageKey }>;
  constructor(code: string | number, key: MessageKey, message: string, subs: Array<string | { key: MessageKey }> = []) {
    super(message);
    this.name = 'ViewError';
    this.code = code;
    this.key = key;
    this.subs = subs;
  }
}

const SDK_ERRORS: Partial<Record<number, MessageKey>> = {
  [ErrorCode.INVALID_PARAMETER]: 'errorInvalidParameter',
  [ErrorCode.USER_NOT_FOUND]: 'errorUserNotFound',
  [ErrorCode.GROUP_NOT_FOUND]: 'errorGroupNotFound',
  [ErrorCode.NOT_GROUP_MEMBER]: 'errorNotGroupMember',
  [ErrorCode.INVITE_PART_ENDED]: 'errorAlreadyEnded',
  [ErrorCode.NOT_PERMITTED]: 'errorNotAllowed',
  [ErrorCode.CANCEL_NOT_POSSIBLE]: 'errorAlreadyEnded',
  [ErrorCode.NOT_LOGGED_IN]: 'errorNotSignedIn',
  [ErrorCode.BAD_USER_SIG]: 'sessionExpired',
  [ErrorCode.NOT_GROUP_OWNER]: 'errorNotOwner',
  [ErrorCode.GROUP_EXISTS]: 'errorGroupExists',
};

/** The limits of 8040 (the error's reason), each said in words (API.md "Errors"). */
const LIMIT_WORDS: Partial<Record<string, MessageKey>> = {
  group_size: 'limit_group_size',
  groups_per_user: 'limit_groups_per_user',
  message_rate: 'limit_message_rate',
  pending_invitations: 'limit_pending_invitations',
  pending_invitations_sent: 'limit_pending_invitations_sent',
  stored_bytes: 'limit_stored_bytes',
  read_bytes: 'limit_read_bytes',
  sfu_join_rate: 'limit_sfu_join_rate',
  sfu_rooms: 'limit_sfu_rooms',
  sfu_rooms_per_user: 'limit_sfu_rooms_per_user',
  sfu_rooms_per_group: 'limit_sfu_rooms_per_group',
};

/** Refusals whose reason or user list says more than the code alone. */
function specific(e: RingletError): ViewError | null {
  const users = e.userIDList?.join(', ');
  if (e.code === ErrorCode.LIMIT_EXCEEDED) {
    // The limit's name, and the limit in words: "Limit reached (group_size): a group has at most 1,000 members."
    return new ViewError(e.code, 'errorLimit', e.message, [e.reason, { key: LIMIT_WORDS[e.reason] ?? 'limit_other' }]);
  }
  if (e.code === ErrorCode.NOT_PERMITTED && e.reason === 'join_not_allowed') return new ViewError(e.code, 'errorJoinNotAllowed', e.message);
  if (e.code === ErrorCode.NOT_GROUP_MEMBER && users) return new ViewError(e.code, 'errorNotMembers', e.message, [users]);
  if (e.code === ErrorCode.USER_NOT_FOUND && users) return new ViewError(e.code, 'errorUsersNotFound', e.message, [users]);
  return null;
}

/** The protocol code of an SDK rejection (every one is a `RingletError`), else undefined. */
export function errorCode(e: unknown): number | undefined {
  return e instanceof RingletError ? e.code : undefined;
}

/** An SDK rejection as a `ViewError` (one already is passes through). */
export function fromSdk(e: unknown): ViewError {
  if (e instanceof ViewError) return e;
  const code = errorCode(e);
  const message = e instanceof Error ? e.message : String(e);
  if (code === undefined) return new ViewError('error', 'errorServer', message, ['error']);
  const better = e instanceof RingletError ? specific(e) : null;
  if (better) return better;
  return new ViewError(code, SDK_ERRORS[code] ?? 'errorServer', message, [String(code)]);
}

/** Runs an SDK call; its rejection becomes a `ViewError` the views can translate. */
export async function sdkCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw fromSdk(e);
  }
}
