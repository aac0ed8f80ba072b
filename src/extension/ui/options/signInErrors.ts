/**
 * What the sign-in form does with a failed request. The server's sign-in answers 70003 alike
 * for a wrong password and an unknown user ID (it never says which), so a first 70003 offers
 * to create the account. Registration cannot help but say that an ID is taken (70002): the
 * form then knows the ID exists and says the password is wrong instead of offering creation
 * again. It learns this only from an answer the person asked for (never probes), so it
 * reveals nothing the server's registration endpoint does not already answer anyone.
 * A password outside the server's rule and throttling (429, with the seconds the worker read
 * from Retry-After) already come translated from the worker (background/accountErrors.ts).
 */
import { ErrorCode } from '../../../protocol/errors.ts';
import { PASSWORD_LENGTH } from '../../../protocol/limits.ts';
import type { MessageKey } from '../../shared/i18n.ts';

/** What the form learnt about this server and user ID from earlier answers (and this one). */
export interface KnownAccount {
  /** Registration answered 70002: the ID has an account. */
  exists: boolean;
  /** A sign-in with this ID answered 70003. */
  signInFailed: boolean;
}

/** The message to show instead of the worker's (null: the worker's), and whether to offer "Create an account". */
export interface FailureView {
  key: Extract<MessageKey, 'errorPasswordWrongExisting' | 'errorUserExistsSignIn'> | null;
  offerCreate: boolean;
}

export function failureView(code: string | number | null, attemptedCreate: boolean, known: KnownAccount): FailureView {
  if (code === ErrorCode.USER_EXISTS) return { key: known.signInFailed ? 'errorPasswordWrongExisting' : 'errorUserExistsSignIn', offerCreate: false };
  if (code === ErrorCode.BAD_CREDENTIALS && !attemptedCreate) return known.exists ? { key: 'errorPasswordWrongExisting', offerCreate: false } : { key: null, offerCreate: true };
  return { key: null, offerCreate: false };
}

/** The client-side rule, checked before asking the server (which checks it again). */
export function passwordTooShort(password: string): boolean {
  return password.length < PASSWORD_LENGTH.min;
}

export { PASSWORD_LENGTH };
