/**
 * What a failed `/api/register`, `/api/login` (or `/api/password`) answer means to a
 * person: one pure mapping from the HTTP answer to the translation key and its values.
 * 70003 is deliberately the same for an unknown user and a wrong password (the server never
 * says which); 429 carries `Retry-After` in seconds when the server throttles attempts.
 */
import { ErrorCode } from '../../protocol/errors.ts';
import { PASSWORD_LENGTH } from '../../protocol/limits.ts';
import type { MessageKey } from '../shared/i18n.ts';
import type { ViewError } from './errors.ts';

/** A ViewError's recipe: the code views branch on (the server's, or `rate_limited` for HTTP 429), the key and its values. */
export type AccountErrorText = Pick<ViewError, 'code' | 'key' | 'subs'>;

export const RATE_LIMITED = 'rate_limited';

const BY_CODE: Record<number, MessageKey> = {
  [ErrorCode.USER_EXISTS]: 'errorUserExists',
  [ErrorCode.BAD_CREDENTIALS]: 'errorBadCredentials',
  [ErrorCode.REGISTRATION_DISABLED]: 'errorRegistrationDisabled',
};

/** Whole seconds from a `Retry-After` header (delta-seconds or an HTTP date), or null. */
export function retryAfterSeconds(header: string | null, now = Date.now()): number | null {
  if (header === null || header.trim() === '') return null;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

export function accountErrorText(status: number, body: { code?: number; reason?: string }, retryAfter: string | null, now = Date.now()): AccountErrorText {
  if (status === 429) {
    const seconds = retryAfterSeconds(retryAfter, now);
    return seconds === null
      ? { code: RATE_LIMITED, key: 'errorTooManyAttemptsLater', subs: [] }
      : { code: RATE_LIMITED, key: 'errorTooManyAttempts', subs: [String(Math.max(1, seconds))] };
  }
  const code = body.code ?? status;
  if (code === ErrorCode.INVALID_PARAMETER) {
    if (body.reason === 'password') return { code, key: 'errorPasswordRule', subs: [String(PASSWORD_LENGTH.min), String(PASSWORD_LENGTH.max)] };
    return { code, key: 'errorInvalidCredentials', subs: [] };
  }
  return { code, key: BY_CODE[code] ?? 'errorServer', subs: [String(code)] };
}
