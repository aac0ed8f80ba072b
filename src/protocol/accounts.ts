/** The HTTP account endpoints' shapes (docs/PROTOCOL.md "HTTP on the same port"). */

/** The `data` of a successful `/api/register`, `/api/login` or `/api/password`: a userSig to log in with. */
export interface AccountResult {
  userID: string;
  userSig: string;
  /** Seconds until the userSig expires. */
  expiresIn: number;
}
