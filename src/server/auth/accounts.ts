/**
 * Password accounts for standalone use: register and log in over HTTP, answered with a
 * UserSig. Passwords are stored only as salted scrypt hashes.
 */
import { ErrorCode, RingletError } from '../../protocol/errors.ts';
import { ID_PATTERN, PASSWORD_LENGTH } from '../../protocol/limits.ts';
import type { Store } from '../store/types.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import type { UserSigs } from './usersig.ts';

export interface AccountResult {
  userID: string;
  userSig: string;
  expiresIn: number;
}

export class Accounts {
  readonly #store: Store;
  readonly #sigs: UserSigs;
  readonly #ttl: number;
  readonly #allowRegistration: boolean;

  constructor(store: Store, sigs: UserSigs, opts: { ttlSeconds: number; allowRegistration: boolean }) {
    this.#store = store;
    this.#sigs = sigs;
    this.#ttl = opts.ttlSeconds;
    this.#allowRegistration = opts.allowRegistration;
  }

  async register(body: unknown): Promise<AccountResult> {
    if (!this.#allowRegistration) throw new RingletError(ErrorCode.REGISTRATION_DISABLED, 'registration_disabled', 'registration is turned off on this server');
    const { userID, password } = credentials(body);
    const hash = await hashPassword(password);
    const created = await this.#store.write((tx) => tx.createUserWithPassword(userID, hash, Date.now()));
    if (!created) throw new RingletError(ErrorCode.USER_EXISTS, 'user_exists', `user ${userID} already exists`);
    return this.#issue(userID);
  }

  async login(body: unknown): Promise<AccountResult> {
    const { userID, password } = credentials(body);
    const hash = await this.#store.read((tx) => tx.getPasswordHash(userID));
    // Same error and similar work for an unknown user and a wrong password.
    const ok = hash === null ? (await verifyPassword(password, DUMMY_HASH), false) : await verifyPassword(password, hash);
    if (!ok) throw new RingletError(ErrorCode.BAD_CREDENTIALS, 'bad_credentials', 'wrong user ID or password');
    return this.#issue(userID);
  }

  async #issue(userID: string): Promise<AccountResult> {
    return { userID, userSig: await this.#sigs.sign(userID, this.#ttl), expiresIn: this.#ttl };
  }
}

const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

function credentials(body: unknown): { userID: string; password: string } {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (typeof b.userID !== 'string' || !ID_PATTERN.test(b.userID)) {
    throw new RingletError(ErrorCode.INVALID_PARAMETER, 'userID', 'userID: 1 to 64 characters of [A-Za-z0-9_.@-]');
  }
  if (typeof b.password !== 'string' || b.password.length < PASSWORD_LENGTH.min || b.password.length > PASSWORD_LENGTH.max) {
    throw new RingletError(ErrorCode.INVALID_PARAMETER, 'password', `password: ${PASSWORD_LENGTH.min} to ${PASSWORD_LENGTH.max} characters`);
  }
  return { userID: b.userID, password: b.password };
}
