/** The worker's connection state (src/extension/background/link.ts), a pure transition. */
import { describe, expect, it } from 'vitest';
import { linkTransition, SIGNED_OUT, type Link, type LinkEvent, type LinkStep } from '../../src/extension/background/link.ts';

/** Runs events from `start`; returns every step. */
function run(start: Link, ...events: LinkEvent[]): LinkStep[] {
  const steps: LinkStep[] = [];
  let link = start;
  for (const e of events) {
    const step = linkTransition(link, e);
    steps.push(step);
    link = step.link;
  }
  return steps;
}
const connections = (steps: LinkStep[]) => steps.map((s) => s.link.connection);
const online: Link = { connection: 'online', atLogin: false };

describe('connection state', () => {
  it('connecting → online → reconnecting → online: reconciles each time it comes back, and only then', () => {
    const steps = run(
      SIGNED_OUT,
      { type: 'started' },
      { type: 'net', state: 'connecting' },
      { type: 'net', state: 'connected' },
      { type: 'loggedIn' },
      { type: 'reconciled' },
      { type: 'net', state: 'disconnected' },
      { type: 'net', state: 'connecting' },
      { type: 'net', state: 'connected' },
      { type: 'reconciled' },
    );
    expect(connections(steps)).toEqual(['connecting', 'connecting', 'online', 'online', 'online', 'offline', 'connecting', 'online', 'online']);
    expect(steps.map((s) => s.reconcile)).toEqual([false, false, true, false, false, false, false, true, false]);
    // Invitations heard from each (re)connect until its reconcile were delivered at login.
    expect(steps.map((s) => s.link.atLogin)).toEqual([true, true, true, true, false, false, true, true, false]);
    expect(steps.some((s) => s.expire || s.drop)).toBe(false);
  });

  it('a login the SDK resolves without a connected event (no net events) still comes online and reconciles', () => {
    const [, loggedIn] = run(SIGNED_OUT, { type: 'started' }, { type: 'loggedIn' });
    expect(loggedIn).toMatchObject({ link: { connection: 'online', atLogin: true }, reconcile: true });
  });

  it('network loss: offline while the SDK retries (attempts flip connecting/offline), nothing dropped or expired', () => {
    const steps = run(online, { type: 'net', state: 'disconnected' }, { type: 'net', state: 'connecting' }, { type: 'net', state: 'disconnected' });
    expect(connections(steps)).toEqual(['offline', 'connecting', 'offline']);
    expect(steps.some((s) => s.reconcile || s.expire || s.drop)).toBe(false);
  });

  it('a first login the SDK gave up on drops the session (a wake-up starts the next one)', () => {
    const [, failed] = run(SIGNED_OUT, { type: 'started' }, { type: 'loginFailed', expired: false, error: new Error('network') });
    expect(failed).toEqual({ link: { connection: 'offline', atLogin: false }, reconcile: false, expire: false, drop: true });
  });

  it('a refused userSig at login expires the account', () => {
    const [, failed] = run(SIGNED_OUT, { type: 'started' }, { type: 'loginFailed', expired: true, error: new Error('70001') });
    expect(failed).toEqual({ link: { connection: 'expired', atLogin: false }, reconcile: false, expire: true, drop: false });
  });

  it('KICKED_OUT userSigExpired: signed out as expired, asks to sign in again, no reconnect', () => {
    const step = linkTransition(online, { type: 'kicked', kind: 'userSigExpired' });
    expect(step).toEqual({ link: { connection: 'expired', atLogin: false }, reconcile: false, expire: true, drop: false });
    // Nothing the dead session might still say brings it back.
    expect(linkTransition(step.link, { type: 'signal', signal: { name: 'ts_invitation_timeout', data: { inviteID: 'x', inviter: 'a', groupID: '', inviteeList: [], isSelfTimeout: false } } }).link).toEqual(step.link);
  });

  it('KICKED_OUT by another device: offline, the account kept, no reconnect', () => {
    expect(linkTransition(online, { type: 'kicked', kind: 'multipleDevice' })).toEqual({ link: { connection: 'offline', atLogin: false }, reconcile: false, expire: false, drop: false });
  });

  it('signing out ends in signedOut from any state', () => {
    for (const connection of ['connecting', 'online', 'offline', 'expired'] as const) {
      expect(linkTransition({ connection, atLogin: true }, { type: 'signedOut' }).link).toEqual(SIGNED_OUT);
    }
  });
});
