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
  /**
   * The node has too many logins in flight: come back after the time the reason names
   * (`retry:<ms>`, retryReason / retryAfterMs below) instead of the client's own backoff.
   */
  TRY_AGAIN_LATER: 1013,
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

/** The close reason of a 1013: when to come back, in ms. */
export function retryReason(ms: number): string {
  return `retry:${Math.max(0, Math.round(ms))}`;
}

/** The ms a 1013's reason asks the client to wait, or null when it names none (capped at 5 minutes). */
export function retryAfterMs(code: number, reason: string): number | null {
  if (code !== CloseCode.TRY_AGAIN_LATER) return null;
  const m = /^retry:(\d{1,9})$/.exec(reason);
  return m ? Math.min(Number(m[1]), 300_000) : null;
}
