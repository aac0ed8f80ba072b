/**
 * UserSig: a signed, expiring login token bound to one userID (a JWT, HS256, made and
 * checked with `jose`). Only a holder of the server secret can make one.
 */
import { SignJWT, jwtVerify, errors } from 'jose';
import { ErrorCode, RingletError } from '../../protocol/errors.ts';

const ISSUER = 'ringlet';

export class UserSigs {
  readonly #key: Uint8Array;

  constructor(secret: string) {
    if (secret.length < 32) throw new Error('the server secret must have at least 32 characters');
    this.#key = new TextEncoder().encode(secret);
  }

  /** A token for `userID`, valid for `ttlSeconds` from `now` (ms). */
  async sign(userID: string, ttlSeconds: number, now = Date.now()): Promise<string> {
    const iat = Math.floor(now / 1000);
    // JWT times are whole seconds: round the expiry up, so a token lives at least ttlSeconds.
    const exp = Math.ceil(now / 1000) + Math.max(1, Math.floor(ttlSeconds));
    return new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(ISSUER)
      .setSubject(userID)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(this.#key);
  }

  /** Checks `sig` for `userID`; returns its expiry (ms) or throws 70001 'bad_user_sig'. */
  async verify(userID: string, sig: string, now = Date.now()): Promise<number> {
    try {
      const { payload } = await jwtVerify(sig, this.#key, { algorithms: ['HS256'], issuer: ISSUER, currentDate: new Date(now) });
      if (payload.sub !== userID) throw new RingletError(ErrorCode.BAD_USER_SIG, 'bad_user_sig', 'userSig: issued for another user');
      if (typeof payload.exp !== 'number') throw new RingletError(ErrorCode.BAD_USER_SIG, 'bad_user_sig', 'userSig: no expiry');
      return payload.exp * 1000;
    } catch (err) {
      if (err instanceof RingletError) throw err;
      const why = err instanceof errors.JWTExpired ? 'expired' : 'invalid signature or format';
      throw new RingletError(ErrorCode.BAD_USER_SIG, 'bad_user_sig', `userSig: ${why}`);
    }
  }
}
