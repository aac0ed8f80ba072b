/**
 * Every bound on the HTTP account endpoints, in one place (docs/SECURITY.md lists them).
 * `startServer({ accountLimits })` may override any of them (tests, deployments behind
 * one shared address).
 */
import { PASSWORD_LENGTH } from '../../protocol/limits.ts';

export interface AccountLimits {
  /** Largest accepted request body, bytes (413 beyond). */
  maxBodyBytes: number;
  /** Password length bounds, characters. */
  minPasswordLength: number;
  maxPasswordLength: number;
  /** Password hashes (scrypt) computed at once. */
  hashConcurrency: number;
  /** Hashes running or waiting in the password lane (new devices, registrations), process-wide; beyond it 503 at once. */
  hashCapacity: number;
  /** Hashes running or waiting in the device lane (known devices, password changes), process-wide; beyond it 503 at once. */
  deviceHashCapacity: number;
  /** Hashes running or waiting for one known device; beyond it 429 at once. */
  hashPerDevice: number;
  /** Lifetime of a device token, seconds (each sign-in from the device renews it). */
  deviceTokenTtlSeconds: number;
  /** Hashes running or waiting for one account, in each lane; beyond it 429 at once. */
  hashPerAccount: number;
  /** Hashes running or waiting for one client address; beyond it 429 at once. Past half of a lane, one. */
  hashPerAddress: number;
  /** Failed sign-ins (wrong password) of one account before the delay starts. */
  accountFreeFailures: number;
  /** Failed sign-ins from one address before the delay starts. */
  addressFreeFailures: number;
  /** Failures are counted over this window, seconds (then forgotten). */
  failureWindowSeconds: number;
  /** The first delay, seconds; each further failure doubles it. */
  firstDelaySeconds: number;
  /** The delay never grows past this, seconds. */
  maxDelaySeconds: number;
  /** New accounts (register attempts) per client address per window. */
  registrationsPerAddress: number;
  registrationWindowSeconds: number;
}

export const ACCOUNT_LIMITS: Readonly<AccountLimits> = Object.freeze({
  maxBodyBytes: 16 * 1024,
  minPasswordLength: PASSWORD_LENGTH.min,
  maxPasswordLength: PASSWORD_LENGTH.max,
  hashConcurrency: 2,
  hashCapacity: 512,
  deviceHashCapacity: 64,
  hashPerDevice: 1,
  deviceTokenTtlSeconds: 180 * 86400,
  hashPerAccount: 2,
  hashPerAddress: 8,
  accountFreeFailures: 5,
  addressFreeFailures: 20,
  failureWindowSeconds: 3600,
  firstDelaySeconds: 1,
  maxDelaySeconds: 900,
  registrationsPerAddress: 10,
  registrationWindowSeconds: 3600,
});
