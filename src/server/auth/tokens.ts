/**
 * Token revocation: which UserSigs still open a session.
 *
 * Two rules, both kept in the store so every node agrees:
 * - each user has a token generation; a token issued at a lower generation than the
 *   user's current one is revoked ("sign out everywhere", password change);
 * - single tokens are revoked by ID (`/api/logout`) until they would have expired anyway.
 * A token is checked at login and again after its session is registered on the bus (a
 * revocation committed in between is then seen by one of the two); live sessions holding
 * a token that a revocation covers are kicked through the bus (`Bus.revoke`).
 */
import { ErrorCode, RingletError } from '../../protocol/errors.ts';
import type { Bus } from '../hub/types.ts';
import type { Revocation } from '../model/revocation.ts';
import type { Store, StoreTx } from '../store/types.ts';
import type { TokenClaims, UserSigs } from './usersig.ts';


/** Whether `r` covers a token with these claims (pure). */
export function revokes(r: Revocation, claims: Pick<TokenClaims, 'userID' | 'generation' | 'tokenID'>): boolean {
  if (r.userID !== claims.userID) return false;
  if (r.belowGeneration !== undefined && claims.generation < r.belowGeneration) return true;
  return r.tokenID !== undefined && claims.tokenID === r.tokenID;
}

const revoked = () => new RingletError(ErrorCode.BAD_USER_SIG, 'bad_user_sig', 'userSig: revoked (signed out, password changed or account disabled)');

/** Throws 70001 when the store says this token was revoked. */
export async function assertNotRevoked(tx: StoreTx, claims: TokenClaims): Promise<void> {
  if (claims.generation < (await tx.tokenGeneration(claims.userID))) throw revoked();
  if (claims.tokenID !== null && (await tx.isTokenRevoked(claims.tokenID))) throw revoked();
}

export interface TokensDeps {
  store: Store;
  sigs: UserSigs;
  bus: Bus;
  clock: () => number;
}

/** Issues, checks and revokes UserSigs against the store's revocation state. */
export class Tokens {
  readonly #d: TokensDeps;

  constructor(deps: TokensDeps) {
    this.#d = deps;
  }

  /** A token at the user's current generation (registers the user, as operator tokens always did). */
  async issue(userID: string, ttlSeconds: number): Promise<string> {
    const now = this.#d.clock();
    const gen = await this.#d.store.write(async (tx) => {
      await tx.ensureUser(userID, now);
      return tx.tokenGeneration(userID);
    });
    return this.#d.sigs.sign(userID, ttlSeconds, now, gen);
  }

  /** A token at a generation just read or set in a transaction. */
  sign(userID: string, ttlSeconds: number, generation: number): Promise<string> {
    return this.#d.sigs.sign(userID, ttlSeconds, this.#d.clock(), generation);
  }

  /** Verifies `sig` for `userID` (signature, expiry, revocation); throws 70001. */
  async authenticate(userID: string, sig: string): Promise<TokenClaims> {
    const claims = await this.#d.sigs.claims(userID, sig, this.#d.clock());
    await this.#d.store.read((tx) => assertNotRevoked(tx, claims));
    return claims;
  }

  /** As `authenticate`, for an `Authorization: Bearer` token whose user is its subject. */
  async authenticateBearer(sig: string): Promise<TokenClaims> {
    return this.authenticate(await this.#d.sigs.subject(sig, this.#d.clock()), sig);
  }

  /** Revokes one token (every token of the user if it has no ID) and kicks the sessions holding it. */
  async revokeOne(claims: TokenClaims): Promise<void> {
    if (claims.tokenID === null) {
      await this.revokeAll(claims.userID);
      return;
    }
    const tokenID = claims.tokenID;
    await this.#d.store.write((tx) => tx.revokeToken(tokenID, claims.userID, claims.expiresAt));
    this.#d.bus.revoke({ userID: claims.userID, tokenID });
  }

  /** Revokes every token of `userID` issued so far; returns the new generation. */
  revokeAll(userID: string): Promise<number> {
    return this.revokeAllWith(userID, async () => undefined);
  }

  /** As `revokeAll`, in one transaction with `fn` (e.g. the password change that causes it). */
  async revokeAllWith(userID: string, fn: (tx: StoreTx) => Promise<void>): Promise<number> {
    const gen = await this.#d.store.write(async (tx) => {
      await fn(tx);
      return tx.bumpTokenGeneration(userID);
    });
    this.#d.bus.revoke({ userID, belowGeneration: gen });
    return gen;
  }
}
