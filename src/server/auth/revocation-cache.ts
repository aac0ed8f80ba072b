/**
 * This node's copy of token revocation state, for the check a login makes before its
 * session joins the bus. Entries come from the store and from every revocation committed
 * anywhere (the bus carries each to every node). Revocations only ever grow (a generation
 * rises, a token ID is added), so whatever order a read and a revocation arrive in, the
 * merge (the higher generation, revoked if either says so) is never behind both. When the
 * bus may have missed revocations (Redis lost, another node failed to publish), entries
 * are dropped and read again. The check after the session joined the bus always reads the
 * store (session.ts): a stale entry can only let a revoked token reach that check.
 */
import { DISABLED_GENERATION, type Revocation } from '../model/revocation.ts';
import type { TokenRef, TokenState } from '../store/login-reads.ts';

interface Entry {
  /** The user's token generation, or null when only token IDs are known. */
  generation: number | null;
  /** Token IDs read or revoked: true when revoked. */
  tokens: Map<string, boolean>;
}

/** Token IDs remembered per user; past it the user's known-good ones are forgotten. */
const TOKENS_PER_USER = 16;

export class RevocationCache {
  readonly #entries = new Map<string, Entry>();
  readonly #maxUsers: number;
  /** Raised by every forget: a read that started before one may miss what was forgotten. */
  #epoch = 0;
  hits = 0;
  misses = 0;

  constructor(maxUsers = 200_000) {
    this.#maxUsers = maxUsers;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** What is known of this token, or null when the store must be asked. */
  get(t: TokenRef): TokenState | null {
    const e = this.#entries.get(t.userID);
    if (!e || e.generation === null || (t.tokenID !== null && !e.tokens.has(t.tokenID))) {
      this.misses++;
      return null;
    }
    this.hits++;
    return { generation: e.generation, tokenRevoked: t.tokenID !== null && e.tokens.get(t.tokenID) === true };
  }

  /** Pass to `learn` with what a read returns: taken before the read starts. */
  get epoch(): number {
    return this.#epoch;
  }

  /** A state read from the store by a read that started at `epoch` (ignored if something was forgotten since). */
  learn(t: TokenRef, s: TokenState, epoch: number): void {
    if (epoch !== this.#epoch) return;
    // A disabled account is not remembered: its generation falls back when it is enabled
    // again, which the merge (generations only rise) would never follow. Its logins read
    // the store, which refuses them.
    if (s.generation >= DISABLED_GENERATION) return;
    const e = this.#entry(t.userID);
    e.generation = Math.max(e.generation ?? 0, s.generation);
    if (t.tokenID !== null) this.#mark(e, t.tokenID, s.tokenRevoked);
  }

  /** A revocation committed on some node. */
  revoked(r: Revocation): void {
    const e = this.#entry(r.userID);
    if (r.belowGeneration !== undefined && e.generation !== null) e.generation = Math.max(e.generation, r.belowGeneration);
    if (r.tokenID !== undefined) this.#mark(e, r.tokenID, true);
  }

  /** Revocations of these users (null: of anyone) may have been missed. */
  forget(userIDs: readonly string[] | null): void {
    this.#epoch++;
    if (userIDs === null) this.#entries.clear();
    else for (const u of userIDs) this.#entries.delete(u);
  }

  #entry(userID: string): Entry {
    let e = this.#entries.get(userID);
    if (!e) {
      if (this.#entries.size >= this.#maxUsers) this.#entries.delete(this.#entries.keys().next().value as string);
      this.#entries.set(userID, (e = { generation: null, tokens: new Map() }));
    }
    return e;
  }

  #mark(e: Entry, tokenID: string, revoked: boolean): void {
    if (e.tokens.get(tokenID) === true) return;
    if (!e.tokens.has(tokenID) && e.tokens.size >= TOKENS_PER_USER) {
      for (const [id, r] of e.tokens) if (!r) e.tokens.delete(id);
      // Many revoked tokens: forget them all and read this user from the store again.
      if (e.tokens.size >= TOKENS_PER_USER) {
        e.tokens.clear();
        e.generation = null;
      }
    }
    e.tokens.set(tokenID, revoked);
  }
}
