/**
 * Password accounts for standalone use: register, sign in, set or change the password,
 * sign out, over HTTP, answered with a UserSig. Passwords are stored only as salted
 * scrypt hashes, computed in a bounded pool (hash-pool.ts); sign-ins and registrations
 * are throttled (throttle.ts); failed sign-ins are logged with user ID and address, never
 * the password. Each success hands the device a device token (device-tokens.ts): with it,
 * a later sign-in from that device hashes in its own lane and answers only to its own
 * failed-sign-in lock, so a guessing flood does not keep the account's own devices out.
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
import { DEVICE_TOKEN_MAX_LENGTH, DeviceTokens } from './device-tokens.ts';
import { HashPool, type HashLane, type HashTier, type Holder } from './hash-pool.ts';
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
  /** The server secret: device tokens are signed with a key derived from it. */
  secret: string;
}

export class Accounts {
  readonly #d: AccountsDeps;
  readonly pool: HashPool;
  readonly #devices: DeviceTokens;

  constructor(deps: AccountsDeps) {
    this.#d = deps;
    const l = deps.limits;
    this.pool = new HashPool({ concurrency: l.hashConcurrency, capacity: { password: l.hashCapacity, device: l.deviceHashCapacity } });
    this.#devices = new DeviceTokens(deps.secret, l.deviceTokenTtlSeconds, deps.clock);
  }

  async register(body: unknown, caller: Caller): Promise<AccountResult> {
    if (!this.#d.allowRegistration) throw new RingletError(ErrorCode.REGISTRATION_DISABLED, 'registration_disabled', 'registration is turned off on this server');
    const { userID, password } = this.#credentials(body);
    await this.#d.throttle.register(caller.address);
    const exists = () => new RingletError(ErrorCode.USER_EXISTS, 'user_exists', `user ${userID} already exists`);
    if ((await this.#d.store.read((tx) => tx.existingUsers([userID]))).has(userID)) throw exists();
    const hash = await this.pool.run('password', this.#holders(userID, caller), () => hashPassword(password));
    const created = await this.#d.store.write((tx) => tx.createUserWithPassword(userID, hash, this.#d.clock()));
    if (!created) throw exists();
    this.#d.log.info({ user: userID, ip: caller.address }, 'account registered');
    return this.#issue(userID, 0, null);
  }

  /**
   * Signs in with the password, and with the device token this device got last time, if
   * any: a known device answers to its own lock and hashes in the device lane; an unknown,
   * expired or revoked token just makes it a new device (no error: it gets a new token).
   */
  async login(body: unknown, caller: Caller): Promise<AccountResult> {
    const { userID, password } = this.#credentials(body);
    const presented = deviceTokenOf(body);
    const { hash, gen } = await this.#d.store.read(async (tx) => ({ hash: await tx.getPasswordHash(userID), gen: await tx.tokenGeneration(userID) }));
    const device = presented === null ? null : this.#devices.verify(presented, userID, gen);
    if (device !== null) await this.#d.throttle.checkDevice(device);
    else await this.#d.throttle.check(userID, caller.address);
    // An address that has failed sign-ins lately waits after the quiet ones.
    const tier: HashTier = device === null && (await this.#d.throttle.addressHasFailed(caller.address)) ? 'after' : 'first';
    const holders = this.#holders(userID, caller, device);
    // Same error and similar work for an unknown user and a wrong password.
    const ok = await this.pool.run(device !== null ? 'device' : 'password', holders, async () =>
      hash === null ? (await verifyPassword(password, DUMMY_HASH), false) : verifyPassword(password, hash), holders.at(-1)!.key, tier);
    if (!ok) return this.#failed(userID, caller, 'login', device);
    // A known device clears its own count only: the flood's lock on the account stays for new devices.
    if (device !== null) await this.#d.throttle.deviceSucceeded(device);
    else await this.#d.throttle.succeeded(userID);
    return this.#issue(userID, gen, device);
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
    // Only a signed-in user gets here: the device lane, by account.
    const holders = this.#holders(userID, caller);
    const lane: HashLane = 'device';
    if (current !== null) {
      if (typeof b.oldPassword !== 'string') throw invalidParameter('oldPassword', 'required to change an existing password');
      const old = b.oldPassword;
      if (!(await this.pool.run(lane, holders, () => verifyPassword(old, current)))) return this.#failed(userID, caller, 'password change', null);
      await this.#d.throttle.succeeded(userID);
    }
    const hash = await this.pool.run(lane, holders, () => hashPassword(password));
    const gen = await this.#d.tokens.revokeAllWith(userID, async (tx) => {
      await tx.ensureUser(userID, this.#d.clock());
      await tx.setPasswordHash(userID, hash);
    });
    this.#d.log.info({ user: userID, ip: caller.address, first: current === null }, 'password set; earlier tokens revoked');
    return this.#issue(userID, gen, null);
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

  async #failed(userID: string, caller: Caller, what: string, device: string | null): Promise<never> {
    const lockedFor = device !== null ? await this.#d.throttle.failedDevice(device) : await this.#d.throttle.failed(userID, caller.address);
    // User ID, address and device ID only: never the password, never a token.
    this.#d.log.warn({ user: userID, ip: caller.address, lockedFor, ...(device !== null ? { device } : {}) }, `${what} failed: bad credentials`);
    throw new RingletError(ErrorCode.BAD_CREDENTIALS, 'bad_credentials', 'wrong user ID or password');
  }

  /** Who holds a hashing place; the last one is the fairness key (the device, else the address). */
  #holders(userID: string, caller: Caller, device: string | null = null): Holder[] {
    const l = this.#d.limits;
    const account = { key: `account:${userID}`, max: l.hashPerAccount };
    if (device !== null) return [account, { key: `device:${device}`, max: l.hashPerDevice }];
    return [account, { key: `address:${caller.address}`, max: l.hashPerAddress }];
  }

  /** A UserSig and this device's token (the same device ID when it presented a valid one). */
  async #issue(userID: string, generation: number, device: string | null): Promise<AccountResult> {
    return {
      userID,
      userSig: await this.#d.tokens.sign(userID, this.#d.ttlSeconds, generation),
      expiresIn: this.#d.ttlSeconds,
      deviceToken: device !== null ? this.#devices.issue(userID, generation, device) : this.#devices.issue(userID, generation),
    };
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

/** The `deviceToken` of a sign-in, if any (8001 `deviceToken` when it is not a short string). */
function deviceTokenOf(body: unknown): string | null {
  const v = asObject(body).deviceToken;
  if (v === undefined) return null;
  if (typeof v !== 'string' || v.length > DEVICE_TOKEN_MAX_LENGTH) throw invalidParameter('deviceToken', `a string of at most ${DEVICE_TOKEN_MAX_LENGTH} characters`);
  return v;
}

const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

function asObject(body: unknown): Record<string, unknown> {
  return (typeof body === 'object' && body !== null && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
}
