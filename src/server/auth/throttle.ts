/**
 * Throttling of the account endpoints, on rate-limiter-flexible counters:
 * - failed sign-ins per account and per client address, each with a growing delay: after
 *   the free failures of the window, every further failure locks the key for
 *   firstDelay × 2^(n-1) seconds (capped); a locked key gets 429 + Retry-After without a
 *   password check. A success clears the account's count (not the address's: one good
 *   account must not launder guesses at others);
 * - failed sign-ins per known device (a device token, device-tokens.ts), the same way: such
 *   sign-ins are held back by their device's lock only, not by the account's or the
 *   address's (which a guessing flood sets), and a success clears the device's count only;
 * - registrations per client address per window.
 * Counters live in memory (per node), or in Redis when the server has a Redis URL, so
 * every node of a scale-out deployment shares them (memory takes over while Redis is down).
 */
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { AccountLimits } from './account-limits.ts';
import { RetryLater } from './retry-later.ts';

type MakeLimiter = (keyPrefix: string, points: number, duration: number) => RateLimiterAbstract;

/** Where the counters live. */
export interface LimiterStore {
  make: MakeLimiter;
  close(): Promise<void>;
}

export function memoryLimiters(): LimiterStore {
  return { make: (keyPrefix, points, duration) => new RateLimiterMemory({ keyPrefix, points, duration }), close: async () => undefined };
}

export function redisLimiters(url: string, prefix = 'ringlet:rl:'): LimiterStore {
  const client = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 1000, connectionName: 'ringlet-limits' });
  client.on('error', () => undefined);
  return {
    make: (keyPrefix, points, duration) =>
      new RateLimiterRedis({
        storeClient: client, keyPrefix: `${prefix}${keyPrefix}`, points, duration,
        insuranceLimiter: new RateLimiterMemory({ keyPrefix, points, duration }),
      }),
    async close() {
      await client.quit().catch(() => client.disconnect());
    },
  };
}

/** A key's failures, with a lock that grows with each failure past the free ones. */
class GrowingDelay {
  readonly #fails: RateLimiterAbstract;
  readonly #lock: RateLimiterAbstract;
  readonly #free: number;
  readonly #first: number;
  readonly #max: number;

  constructor(make: MakeLimiter, name: string, free: number, l: AccountLimits) {
    this.#fails = make(`${name}_fail`, Number.MAX_SAFE_INTEGER, l.failureWindowSeconds);
    this.#lock = make(`${name}_lock`, 1, 1);
    this.#free = free;
    this.#first = l.firstDelaySeconds;
    this.#max = l.maxDelaySeconds;
  }

  /** Seconds the key stays locked; 0 when it is not. */
  async lockedFor(key: string): Promise<number> {
    const r = await this.#lock.get(key);
    return r && r.consumedPoints > 1 && r.msBeforeNext > 0 ? Math.ceil(r.msBeforeNext / 1000) : 0;
  }

  /** Counts a failure; locks the key when past the free ones. Returns the lock, seconds. */
  async fail(key: string): Promise<number> {
    const r = await this.#fails.penalty(key, 1);
    const over = r.consumedPoints - this.#free;
    if (over <= 0) return 0;
    const secs = Math.min(this.#max, this.#first * 2 ** Math.min(over - 1, 30));
    await this.#lock.block(key, secs);
    return secs;
  }

  /** Failures counted for the key in the current window. */
  async failures(key: string): Promise<number> {
    return (await this.#fails.get(key))?.consumedPoints ?? 0;
  }

  async clear(key: string): Promise<void> {
    await Promise.all([this.#fails.delete(key), this.#lock.delete(key)]);
  }
}

export class AccountThrottle {
  readonly #account: GrowingDelay;
  readonly #address: GrowingDelay;
  readonly #device: GrowingDelay;
  readonly #registrations: RateLimiterAbstract;

  constructor(store: LimiterStore, l: AccountLimits) {
    this.#account = new GrowingDelay(store.make, 'signin_account', l.accountFreeFailures, l);
    this.#address = new GrowingDelay(store.make, 'signin_address', l.addressFreeFailures, l);
    this.#device = new GrowingDelay(store.make, 'signin_device', l.accountFreeFailures, l);
    this.#registrations = store.make('register_address', l.registrationsPerAddress, l.registrationWindowSeconds);
  }

  /** Throws 429 `login_attempts` while the account or the address is locked. */
  async check(userID: string, address: string): Promise<void> {
    const wait = Math.max(await this.#account.lockedFor(userID), await this.#address.lockedFor(address));
    if (wait > 0) throw new RetryLater('login_attempts', 'too many failed sign-ins for this account or from this address', wait);
  }

  /** Whether the address has failed sign-ins in the current window (its hashes wait after the others'). */
  async addressHasFailed(address: string): Promise<boolean> {
    return (await this.#address.failures(address)) > 0;
  }

  /** Counts a failed sign-in; returns the longest lock it set, seconds (0: none). */
  async failed(userID: string, address: string): Promise<number> {
    const [a, b] = await Promise.all([this.#account.fail(userID), this.#address.fail(address)]);
    return Math.max(a, b);
  }

  async succeeded(userID: string): Promise<void> {
    await this.#account.clear(userID);
  }

  /** Throws 429 `login_attempts` while this known device is locked (its own failures only). */
  async checkDevice(deviceID: string): Promise<void> {
    const wait = await this.#device.lockedFor(deviceID);
    if (wait > 0) throw new RetryLater('login_attempts', 'too many failed sign-ins from this device', wait);
  }

  /** Counts a failed sign-in of a known device; returns the lock it set, seconds (0: none). */
  failedDevice(deviceID: string): Promise<number> {
    return this.#device.fail(deviceID);
  }

  async deviceSucceeded(deviceID: string): Promise<void> {
    await this.#device.clear(deviceID);
  }

  /** Takes one registration from the address's budget; throws 429 `registrations` when spent. */
  async register(address: string): Promise<void> {
    try {
      await this.#registrations.consume(address, 1);
    } catch (err) {
      if (err instanceof RateLimiterRes) throw new RetryLater('registrations', 'too many new accounts from this address', err.msBeforeNext / 1000);
      throw err;
    }
  }
}
