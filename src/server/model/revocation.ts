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
