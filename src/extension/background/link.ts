/**
 * The phone's connection state as a pure transition over the session's events: what the
 * views show (`connecting`, `online`, `offline`, `expired`, `signedOut`), whether the
 * pending list must be reconciled (every time the session comes online), and whether
 * invitations heard now were delivered at login (from each (re)connect until reconciled).
 * No I/O: unit-tested directly (test/unit/link.test.ts).
 */
import type { Connection } from '../shared/schema.ts';
import type { SessionEvent } from './session.ts';

export interface Link {
  connection: Connection;
  /** From (re)connecting until the pending list is reconciled: invitations heard now were delivered at login. */
  atLogin: boolean;
}

export type LinkEvent =
  | Exclude<SessionEvent, { type: 'status' }>
  /** A new SDK session is logging in. */
  | { type: 'started' }
  | { type: 'reconciled' }
  | { type: 'signedOut' };

export interface LinkStep {
  link: Link;
  /** Ask the server's pending list (the session came online). */
  reconcile: boolean;
  /** The userSig is refused: keep the account as expired, ask to sign in again. */
  expire: boolean;
  /** The SDK gave up on this session: drop it, so the next wake-up starts a new one. */
  drop: boolean;
}

export const SIGNED_OUT: Link = { connection: 'signedOut', atLogin: false };

const step = (link: Link, more: Partial<Omit<LinkStep, 'link'>> = {}): LinkStep => ({ link, reconcile: false, expire: false, drop: false, ...more });

export function linkTransition(link: Link, event: LinkEvent): LinkStep {
  switch (event.type) {
    case 'started':
      return step({ connection: 'connecting', atLogin: true });
    case 'net':
      if (event.state === 'connecting') return step({ connection: 'connecting', atLogin: true });
      if (event.state === 'disconnected') return step({ ...link, connection: 'offline' });
      return online(link);
    case 'loggedIn':
      return online(link);
    case 'loginFailed':
      return event.expired ? step({ connection: 'expired', atLogin: false }, { expire: true }) : step({ connection: 'offline', atLogin: false }, { drop: true });
    case 'kicked':
      // userSigExpired (also a revoked token): sign in again. Another device: stay offline; the SDK stopped.
      return event.kind === 'userSigExpired' ? step({ connection: 'expired', atLogin: false }, { expire: true }) : step({ connection: 'offline', atLogin: false });
    case 'reconciled':
      return step({ ...link, atLogin: false });
    case 'signedOut':
      return step(SIGNED_OUT);
    case 'signal':
      return step(link);
  }
}

function online(link: Link): LinkStep {
  if (link.connection === 'online') return step(link);
  return step({ connection: 'online', atLogin: true }, { reconcile: true });
}
