/**
 * UserSig: a signed, expiring login token bound to one userID (a JWT, HS256, made and
 * checked with `jose`). Only a holder of the server secret can make one.
 *
 * Besides `sub`, `iat` and `exp` a token carries `jti` (a random ID, so one token can be
 * revoked) and `gen` (the user's token generation when it was issued: revoking every
 * token of a user raises the generation, see tokens.ts). Tokens made before these
 * claims existed count as generation 0 with no ID.
 */
import { randomBytes } from 'node:crypto';
import { SignJWT, jwtVerify, errors } from 'jose';
import { ErrorCode, RingletError } from '../../protocol/errors.ts';
import { DISABLED_GENERATION } from '../model/revocation.ts';

const ISSUER = 'ringlet';

/** What a verified UserSig says about itself. */
export interface TokenClaims {
  userID: string;
  /** ms since the epoch. */
  expiresAt: number;
  /** The token's own ID; null for tokens made before IDs existed. */
  tokenID: string | null;
  /** The user's token generation at issue time (0 for old tokens). */
  generation: number;
}

export class UserSigs {
  readonly #key: Uint8Array;

  constructor(secret: string) {
    if (secret.length < 32) throw new Error('the server secret must have at least 32 characters');
    this.#key = new TextEncoder().encode(secret);
  }

  /** A token for `userID`, valid for `ttlSeconds` from `now` (ms), of token generation `generation`. */
  async sign(userID: string, ttlSeconds: number, now = Date.now(), generation = 0): Promise<string> {
    // The generation of a disabled or deleted user (model/revocation.ts): no token for them.
    if (generation === DISABLED_GENERATION) throw new RingletError(ErrorCode.BAD_USER_SIG, 'account_disabled', `user ${userID} is disabled`);
    const iat = Math.floor(now / 1000);
    // JWT times are whole seconds: round the expiry up, so a token lives at least ttlSeconds.
    const exp = Math.ceil(now / 1000) + Math.max(1, Math.floor(ttlSeconds));
    return new SignJWT({ gen: generation })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(ISSUER)
      .setSubject(userID)
      .setJti(randomBytes(12).toString('base64url'))
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(this.#key);
  }

  /** Checks signature, issuer, subject and expiry; returns the claims or throws 70001 'bad_user_sig'. */
  async claims(userID: string, sig: string, now = Date.now()): Promise<TokenClaims> {
    try {
      const { payload } = await jwtVerify(sig, this.#key, { algorithms: ['HS256'], issuer: ISSUER, currentDate: new Date(now) });
      if (payload.sub !== userID) throw new RingletError(ErrorCode.BAD_USER_SIG, 'bad_user_sig', 'userSig: issued for another user');
      if (typeof payload.exp !== 'number') throw new RingletError(ErrorCode.BAD_USER_SIG, 'bad_user_sig', 'userSig: no expiry');
      const gen = typeof payload.gen === 'number' && Number.isSafeInteger(payload.gen) && payload.gen >= 0 ? payload.gen : 0;
      const tokenID = typeof payload.jti === 'string' && payload.jti.length > 0 && payload.jti.length <= 64 ? payload.jti : null;
      return { userID, expiresAt: payload.exp * 1000, tokenID, generation: gen };
    } catch (err) {
      if (err instanceof RingletError) throw err;
      const why = err instanceof errors.JWTExpired ? 'expired' : 'invalid signature or format';
      throw new RingletError(ErrorCode.BAD_USER_SIG, 'bad_user_sig', `userSig: ${why}`);
    }
  }

  /** The subject of a well-signed, unexpired token (for bearer tokens, where no userID is given). */
  async subject(sig: string, now = Date.now()): Promise<string> {
    try {
      const { payload } = await jwtVerify(sig, this.#key, { algorithms: ['HS256'], issuer: ISSUER, currentDate: new Date(now) });
      if (typeof payload.sub === 'string') return payload.sub;
    } catch {
      /* fall through */
    }
    throw new RingletError(ErrorCode.BAD_USER_SIG, 'bad_user_sig', 'userSig: invalid, expired or without subject');
  }
}
