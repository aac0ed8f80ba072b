/**
 * What a socket login reads, in as few round trips as the store allows (issue 22): the
 * token's revocation state of many logins at once, the current seqs of many users at once
 * (the buses' delivery baselines), and one login's snapshot (its user registered if new,
 * its token's revocation state again, and what its catch-up plan needs). PostgreSQL runs
 * each as one statement (postgres/login-reads.ts); tx-login-reads.ts runs them as
 * transactions over the shared queries (SQLite).
 */
import type { Group } from '../../protocol/im.ts';
import type { Invitation } from '../model/invitation.ts';

/** What the store says of one token (auth/tokens.ts decides whether it may log in). */
export interface TokenState {
  /** The user's token generation: tokens issued below it are revoked. */
  generation: number;
  /** The token's own ID was revoked. */
  tokenRevoked: boolean;
}

export interface TokenRef {
  userID: string;
  tokenID: string | null;
}

/** What one login reads after its session is on the bus, from one snapshot. */
export interface LoginSnapshot {
  token: TokenState;
  /** The user's current event seq. */
  seq: number;
  /** Whether the session can resume from the `lastSeq` it asked for (every missed event still stored). */
  resumable: boolean;
  /** The user's groups, oldest first. */
  groups: Group[];
  /** When not resumable: the user's open invitations, the newest `announceMax`, oldest first. */
  open: Invitation[];
}

export interface LoginSnapshotQuery {
  userID: string;
  tokenID: string | null;
  /** The last event seq the client saw (a resume), if any. */
  lastSeq: number | undefined;
  /** A resume of more events than this starts fresh instead. */
  maxReplay: number;
  announceMax: number;
  now: number;
}

export interface LoginReads {
  /** The revocation state of each token, in order (unknown users: generation 0). */
  tokenStates(tokens: readonly TokenRef[]): Promise<TokenState[]>;
  /** The current event seq of each user (0 for an unknown one). */
  currentSeqs(userIDs: readonly string[]): Promise<Map<string, number>>;
  /** Registers the user if new, then reads the login's snapshot. */
  loginSnapshot(q: LoginSnapshotQuery): Promise<LoginSnapshot>;
}

/** Whether a client at `lastSeq` can resume at `seq`: nothing missed, or every missed event is still stored. */
export function canResume(lastSeq: number | undefined, seq: number, firstAfter: number | null, maxReplay: number): boolean {
  if (lastSeq === undefined || lastSeq > seq) return false;
  return lastSeq === seq || (seq - lastSeq <= maxReplay && firstAfter === lastSeq + 1);
}
