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
  readonly subs: string[];
  constructor(code: string | number, key: MessageKey, message: string, subs: string[] = []) {
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
};

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
