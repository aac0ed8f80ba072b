/**
 * What the sign-in form does with a failed request: 70003 (wrong password or unknown user,
 * the server never says which) offers to create the account; a password outside the
 * server's rule and throttling (429, with the seconds the worker read from Retry-After)
 * already come translated from the worker (background/accountErrors.ts).
 */
import { ErrorCode } from '../../../protocol/errors.ts';
import { PASSWORD_LENGTH } from '../../../protocol/limits.ts';

/** Offer "Create an account" after this failure of a plain sign-in? */
export function offersCreate(code: string | number | null, attemptedCreate: boolean): boolean {
  return !attemptedCreate && code === ErrorCode.BAD_CREDENTIALS;
}

/** The client-side rule, checked before asking the server (which checks it again). */
export function passwordTooShort(password: string): boolean {
  return password.length < PASSWORD_LENGTH.min;
}

export { PASSWORD_LENGTH };
