/**
 * What a revocation covers (auth/tokens.ts decides and records it; the bus carries it to
 * every node's sessions): its own module so that neither imports the other for it.
 */
export interface Revocation {
  userID: string;
  /** Tokens with a lower generation are revoked. */
  belowGeneration?: number;
  /** This one token is revoked. */
  tokenID?: string;
}

/**
 * The token generation the store reports for a disabled or deleted user: every token is
 * below it (so revoked, with the one query login already makes), and no token is ever
 * signed at it (UserSigs.sign refuses), so disabling needs no check of its own.
 */
export const DISABLED_GENERATION = Number.MAX_SAFE_INTEGER;
