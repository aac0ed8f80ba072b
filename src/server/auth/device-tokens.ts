/**
 * Device tokens (OWASP's "device cookies" against sign-in lock-out): a successful password
 * sign-in hands the device a token bound to the account; presented again with the password,
 * it marks the attempt as coming from a device that signed in to this account before.
 * Such attempts are not held back by the account's or the address's failed-sign-in lock
 * (a guessing flood sets those) but by the device's own, and hash in their own lane
 * (hash-pool.ts), so a flood from any number of addresses cannot keep a known device out.
 *
 * A token is `d1.<device id>.<expiry>.<mac>`: HMAC-SHA256, under a key derived from the
 * server secret for this use only (it can never pass as a UserSig), over the user ID, the
 * user's token generation, the device ID and the expiry. It is not a credential: it opens
 * nothing without the password. "Sign out everywhere" and a password change raise the
 * generation, which ends every device token of the user.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Longest device token accepted (8001 `deviceToken` beyond). */
export const DEVICE_TOKEN_MAX_LENGTH = 256;

export class DeviceTokens {
  readonly #key: Buffer;
  readonly #ttlSeconds: number;
  readonly #clock: () => number;

  constructor(secret: string, ttlSeconds: number, clock: () => number) {
    this.#key = createHmac('sha256', secret).update('ringlet device token v1').digest();
    this.#ttlSeconds = ttlSeconds;
    this.#clock = clock;
  }

  /** A token for `userID` at `generation`, for `deviceID` (a new device when absent). */
  issue(userID: string, generation: number, deviceID = randomBytes(12).toString('base64url')): string {
    const exp = Math.floor(this.#clock() / 1000) + this.#ttlSeconds;
    return `d1.${deviceID}.${exp}.${this.#mac(userID, generation, deviceID, exp)}`;
  }

  /** The device ID when `token` is a live token of `userID` at `generation`; else null. */
  verify(token: string, userID: string, generation: number): string | null {
    const m = /^d1\.([A-Za-z0-9_-]{16})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (!m) return null;
    const [, deviceID, expText, mac] = m as unknown as [string, string, string, string];
    const exp = Number(expText);
    if (exp * 1000 <= this.#clock()) return null;
    const want = Buffer.from(this.#mac(userID, generation, deviceID, exp));
    const got = Buffer.from(mac);
    return got.length === want.length && timingSafeEqual(got, want) ? deviceID : null;
  }

  #mac(userID: string, generation: number, deviceID: string, exp: number): string {
    return createHmac('sha256', this.#key).update(`${userID}\n${generation}\n${deviceID}\n${exp}`).digest('base64url');
  }
}
