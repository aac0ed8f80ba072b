/**
 * Every WebSocket close code either end uses, in one place (docs/PROTOCOL.md "Errors and
 * close codes"): the standard ones Ringlet gives a meaning, and its own 4xxx.
 */
export const CloseCode = {
  /** Logout: the server closes after answering `logout`; the SDK closes when it logs out or is destroyed. */
  NORMAL: 1000,
  /** The server is shutting down or the session was idle; reconnect later. */
  GOING_AWAY: 1001,
  /** A frame over the size limit (sent by the WebSocket library itself). */
  MESSAGE_TOO_BIG: 1009,
  /**
   * Scale-out: the node lost Redis or a gap in a user's event seqs was not filled in time;
   * reconnect and resume by seq (docs/SCALE-OUT.md).
   */
  RESYNC: 1012,
  /** Sent by the SDK: nothing heard from the server for too long (a half-open connection); it reconnects. */
  HEARTBEAT_LOST: 4000,
  /** Not valid JSON, binary, or not a known frame. */
  BAD_FRAME: 4400,
  /** No login within the allowed time, or a request before login. */
  UNAUTHORIZED: 4401,
  /** The userSig expired or was revoked while connected, or the device limit; a `kicked` frame precedes it. */
  KICKED: 4403,
  /** Too many frames too fast. */
  RATE_LIMITED: 4429,
  /**
   * An outbound budget was exceeded (the client does not read fast enough, or the user's or
   * the server's queued bytes are at their cap) and this socket was the fullest. Reconnect
   * and resume by seq: nothing stored is lost.
   */
  SLOW_CONSUMER: 4503,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];
