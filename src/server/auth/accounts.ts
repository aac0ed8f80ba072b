/**
 * Password accounts for standalone use: register, sign in, set or change the password,
 * sign out, over HTTP, answered with a UserSig. Passwords are stored only as salted
 * scrypt hashes, computed in a bounded pool (hash-pool.ts); sign-ins and registrations
 * are throttled (throttle.ts); failed sign-ins are logged with user ID and address, never
 * the password.
 *
 * An existing user ID is never taken by registration, whatever its state: an account
 * made by a UserSig (operator, `npm run usersig`) gets its first password only from
 * itself, signed in (`setPassword` with its UserSig as bearer).
 */
import { ErrorCode, RingletError, invalidParameter } from '../../protocol/errors.ts';
import { ID_PATTERN } from '../../protocol/limits.ts';
import type { Logger } from '../log.ts';
import type { AccountResult } from '../../protocol/accounts.ts';
import type { Store } from '../store/types.ts';
import type { AccountLimits } from './account-limits.ts';
import { HashPool, type Holder } from './hash-pool.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import type { AccountThrottle } from './throttle.ts';
import type { Tokens } from './tokens.ts';


/** Who is asking: the client's address (for throttling and logs). */
export interface Caller {
  address: string;
}

export interface AccountsDeps {
  store: Store;
  tokens: Tokens;
  throttle: AccountThrottle;
  log: Logger;
  limits: AccountLimits;
  ttlSeconds: number;
  allowRegistration: boolean;
  clock: () => number;
}

export class Accounts {
  readonly #d: AccountsDeps;
  readonly pool: HashPool;

  constructor(deps: AccountsDeps) {
    this.#d = deps;
    this.pool = new HashPool({ concurrency: deps.limits.hashConcurrency, capacity: deps.limits.hashCapacity });
  }

  async register(body: unknown, caller: Caller): Promise<AccountResult> {
    if (!this.#d.allowRegistration) throw new RingletError(ErrorCode.REGISTRATION_DISABLED, 'registration_disabled', 'registration is turned off on this server');
    const { userID, password } = this.#credentials(body);
    await this.#d.throttle.register(caller.address);
    const exists = () => new RingletError(ErrorCode.USER_EXISTS, 'user_exists', `user ${userID} already exists`);
    if ((await this.#d.store.read((tx) => tx.existingUsers([userID]))).has(userID)) throw exists();
    const hash = await this.pool.run(this.#holders(userID, caller), () => hashPassword(password));
    const created = await this.#d.store.write((tx) => tx.createUserWithPassword(userID, hash, this.#d.clock()));
    if (!created) throw exists();
    this.#d.log.info({ user: userID, ip: caller.address }, 'account registered');
    return this.#issue(userID, 0);
  }

  async login(body: unknown, caller: Caller): Promise<AccountResult> {
    const { userID, password } = this.#credentials(body);
    await this.#d.throttle.check(userID, caller.address);
    const hash = await this.#d.store.read((tx) => tx.getPasswordHash(userID));
    // Same error and similar work for an unknown user and a wrong password.
    const ok = await this.pool.run(this.#holders(userID, caller), async () =>
      hash === null ? (await verifyPassword(password, DUMMY_HASH), false) : verifyPassword(password, hash));
    if (!ok) return this.#failed(userID, caller, 'login');
    await this.#d.throttle.succeeded(userID);
    const gen = await this.#d.store.read((tx) => tx.tokenGeneration(userID));
    return this.#issue(userID, gen);
  }

  /**
   * Sets the first password of the bearer's account, or changes it (`oldPassword` then
   * required). Revokes every earlier token of the user; returns a fresh one.
   */
  async setPassword(bearer: string, body: unknown, caller: Caller): Promise<AccountResult> {
    const claims = await this.#d.tokens.authenticateBearer(bearer);
    const userID = claims.userID;
    const b = asObject(body);
    const password = this.#password(b.password, 'password');
    if (b.oldPassword !== undefined && typeof b.oldPassword !== 'string') throw invalidParameter('oldPassword', 'a string');
    await this.#d.throttle.check(userID, caller.address);
    const current = await this.#d.store.read((tx) => tx.getPasswordHash(userID));
    const holders = this.#holders(userID, caller);
    if (current !== null) {
      if (typeof b.oldPassword !== 'string') throw invalidParameter('oldPassword', 'required to change an existing password');
      const old = b.oldPassword;
      if (!(await this.pool.run(holders, () => verifyPassword(old, current)))) return this.#failed(userID, caller, 'password change');
      await this.#d.throttle.succeeded(userID);
    }
    const hash = await this.pool.run(holders, () => hashPassword(password));
    const gen = await this.#d.tokens.revokeAllWith(userID, async (tx) => {
      await tx.ensureUser(userID, this.#d.clock());
      await tx.setPasswordHash(userID, hash);
    });
    this.#d.log.info({ user: userID, ip: caller.address, first: current === null }, 'password set; earlier tokens revoked');
    return this.#issue(userID, gen);
  }

  /** Revokes the bearer token, or (`everywhere: true`) every token of its user issued so far. */
  async logout(bearer: string, body: unknown, caller: Caller): Promise<Record<string, never>> {
    const claims = await this.#d.tokens.authenticateBearer(bearer);
    const b = asObject(body ?? {});
    if (b.everywhere !== undefined && typeof b.everywhere !== 'boolean') throw invalidParameter('everywhere', 'a boolean');
    if (b.everywhere === true) await this.#d.tokens.revokeAll(claims.userID);
    else await this.#d.tokens.revokeOne(claims);
    this.#d.log.info({ user: claims.userID, ip: caller.address, everywhere: b.everywhere === true }, 'signed out; token revoked');
    return {};
  }

  async #failed(userID: string, caller: Caller, what: string): Promise<never> {
    const lockedFor = await this.#d.throttle.failed(userID, caller.address);
    // User ID and address only: never the password, never a token.
    this.#d.log.warn({ user: userID, ip: caller.address, lockedFor }, `${what} failed: bad credentials`);
    throw new RingletError(ErrorCode.BAD_CREDENTIALS, 'bad_credentials', 'wrong user ID or password');
  }

  #holders(userID: string, caller: Caller): Holder[] {
    return [
      { key: `account:${userID}`, max: this.#d.limits.hashPerAccount },
      { key: `address:${caller.address}`, max: this.#d.limits.hashPerAddress },
    ];
  }

  async #issue(userID: string, generation: number): Promise<AccountResult> {
    return { userID, userSig: await this.#d.tokens.sign(userID, this.#d.ttlSeconds, generation), expiresIn: this.#d.ttlSeconds };
  }

  #credentials(body: unknown): { userID: string; password: string } {
    const b = asObject(body);
    if (typeof b.userID !== 'string' || !ID_PATTERN.test(b.userID)) {
      throw new RingletError(ErrorCode.INVALID_PARAMETER, 'userID', 'userID: 1 to 64 characters of [A-Za-z0-9_.@-]');
    }
    return { userID: b.userID, password: this.#password(b.password, 'password') };
  }

  #password(value: unknown, name: string): string {
    const { minPasswordLength: min, maxPasswordLength: max } = this.#d.limits;
    if (typeof value !== 'string' || [...value].length < min || value.length > max) {
      throw new RingletError(ErrorCode.INVALID_PARAMETER, name, `${name}: at least ${min} and at most ${max} characters`);
    }
    return value;
  }
}

const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

function asObject(body: unknown): Record<string, unknown> {
  return (typeof body === 'object' && body !== null && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
}
