/** The HTTP account endpoints' shapes (docs/PROTOCOL.md "HTTP on the same port"). */

/** The `data` of a successful `/api/register`, `/api/login` or `/api/password`: a userSig to log in with. */
export interface AccountResult {
  userID: string;
  userSig: string;
  /** Seconds until the userSig expires. */
  expiresIn: number;
  /**
   * Ringlet addition: this device's token for the account (SECURITY.md "Device tokens").
   * Send it back as `deviceToken` with the password at the next `/api/login`: a sign-in
   * from a known device gets through a guessing flood that locks out new ones.
   */
  deviceToken: string;
}
