/**
 * ICE servers for WebRTC, handed to logged-in clients. With a TURN secret configured,
 * TURN credentials are time-limited per the TURN REST convention that coturn implements
 * (`use-auth-secret` / `static-auth-secret`): username = "<expiry unix seconds>:<userID>",
 * credential = base64(HMAC-SHA1(secret, username)).
 */
import { createHmac } from 'node:crypto';
import type { IceServer, IceServers } from '../../protocol/ice.ts';

export interface IceOptions {
  /** stun: URLs, e.g. stun:turn.example.org:3478 */
  stun?: string[];
  /** turn:/turns: URLs */
  turn?: string[];
  /** The secret shared with the TURN server (coturn's static-auth-secret). */
  turnSecret?: string;
  /** Lifetime of issued TURN credentials, seconds. Default 12 h. */
  turnTTL?: number;
}

export function iceServersFor(userID: string, o: IceOptions, now: number): IceServers {
  const ttl = o.turnTTL ?? 12 * 3600;
  const iceServers: IceServer[] = [];
  if (o.stun && o.stun.length > 0) iceServers.push({ urls: [...o.stun] });
  if (o.turn && o.turn.length > 0 && o.turnSecret) {
    const username = `${Math.floor(now / 1000) + ttl}:${userID}`;
    const credential = createHmac('sha1', o.turnSecret).update(username).digest('base64');
    iceServers.push({ urls: [...o.turn], username, credential });
  }
  return { iceServers, ttl };
}
