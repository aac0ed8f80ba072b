/**
 * The worker's connection and kicked-out paths on the real SDK against a real server (a
 * real socket, a real SQLite file): the SDK's own reconnect loop is the only one, the
 * phone follows it (connecting → online → offline → connecting → online), and a revoked
 * token signs the phone out as expired with a notice and no reconnect.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { loadAccount, saveAccount } from '../../src/extension/background/store.ts';
import { encodeInvite } from '../../src/protocol/call-data.ts';
import { bootPhone, poll } from './real-phone.ts';
import { startHarness, startProxy, type Client, type Harness } from '../integration/harness.ts';

let h: Harness;
let net: Awaited<ReturnType<typeof startProxy>>;
let alice: Client;
let n = 0;

beforeAll(async () => {
  h = await startHarness();
  net = await startProxy(Number(new URL(h.server.url).port));
  alice = await h.client('alice');
});
afterAll(async () => {
  await net?.close();
  await h?.close();
});
beforeEach(() => {
  fakeBrowser.reset();
  net.resume();
});

const boot = bootPhone;

/** A fresh account on the server, signed in through the proxy (the "network"). */
async function signedIn() {
  const userID = `bob${++n}`;
  const w = boot();
  await w.phone.ready;
  await w.phone.handle({ type: 'account/signIn', server: net.url, userID, password: 'password-1', create: true });
  return { ...w, userID };
}

/** A signed-in worker stopped, the network lost, and a new worker over the same vault. */
async function restartedWithoutNetwork(options?: Parameters<typeof bootPhone>[0]) {
  const first = await signedIn();
  await first.destroy();
  const account = await loadAccount();
  net.drop();
  await saveAccount(account); // the same vault, as a restarted worker finds it
  return { w: boot(options), userID: first.userID };
}

describe('the phone on the real SDK (connection and kicked-out paths)', () => {
  it('connecting → online → offline on network loss → connecting → online, on one SDK session; what came meanwhile rings', async () => {
    const w = await signedIn();
    try {
      expect(w.connections).toEqual(['signedOut', 'connecting', 'online']);
      net.drop();
      await w.until('offline');
      // Called while this phone is away: delivered when the SDK resumes.
      const { inviteID } = await alice.chat.invite({ userID: w.userID, data: encodeInvite('room-x', 'audio'), timeout: 30 });
      // A wake-up while the SDK reconnects by itself leaves it alone: no second loop.
      await w.phone.ensureConnected();
      expect(w.sessions()).toBe(1);
      net.resume();
      await w.until('online');
      expect(w.connections.slice(0, 5)).toEqual(['signedOut', 'connecting', 'online', 'offline', 'connecting']);
      expect(w.connections.at(-1)).toBe('online');
      await poll(() => w.phone.viewState().incoming.some((c) => c.inviteID === inviteID), 'the invitation sent while away ringing');
      expect(w.sessions()).toBe(1);
      await alice.chat.cancel({ inviteID });
    } finally {
      await w.destroy();
    }
  });

  it('a worker that wakes without network stays on one SDK session, offline, and comes online when the network returns', async () => {
    const { w, userID } = await restartedWithoutNetwork();
    try {
      await w.until('offline');
      await w.phone.ensureConnected(); // a wake-up (alarm, page load) while the SDK retries
      net.resume();
      await w.until('online');
      expect(w.connections[0]).toBe('connecting');
      expect(w.connections).toContain('offline');
      expect(w.sessions()).toBe(1);
      expect(w.phone.viewState().userID).toBe(userID);
    } finally {
      await w.destroy();
    }
  });

  it('a first login an SDK gave up on (its default 3 attempts) is dropped, and the next wake-up starts a session', async () => {
    const { w } = await restartedWithoutNetwork({ backoffMinMs: 50, backoffMaxMs: 300 });
    try {
      await w.gaveUp(1);
      await w.phone.ensureConnected(); // the network is still away: this one gives up too
      expect(w.phone.connection).toBe('offline');
      expect(w.sessions()).toBe(2);
      net.resume();
      await w.phone.ensureConnected();
      expect(w.phone.connection).toBe('online');
      expect(w.sessions()).toBe(3);
    } finally {
      await w.destroy();
    }
  });

  it('does nothing when signed out', async () => {
    const w = boot();
    await w.phone.ensureConnected();
    expect(w.sessions()).toBe(0);
    expect(w.phone.connection).toBe('signedOut');
  });

  it('KICKED_OUT (the token revoked elsewhere): expired, a sign-in notice, the token forgotten, no reconnect', async () => {
    const w = await signedIn();
    try {
      const { userSig } = (await loadAccount())!;
      // The server kicks the session (KICKED_OUT userSigExpired in the SDK).
      const res = await fetch(`${h.server.httpUrl}/api/logout`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${userSig}` }, body: '{}' });
      expect(res.status).toBe(200);
      await w.until('expired');
      expect(Object.keys(await fakeBrowser.notifications.getAll())).toContain('auth:expired');
      expect(await loadAccount()).toMatchObject({ userID: w.userID, userSig: '', expired: true });
      // No reconnect: a wake-up starts nothing.
      await w.phone.ensureConnected();
      expect(w.sessions()).toBe(1);
      expect(w.phone.connection).toBe('expired');
      await expect(w.phone.handle({ type: 'call/dial', userID: 'alice', callType: 'audio' })).rejects.toMatchObject({ code: 2024 });
      expect(w.connections.at(-1)).toBe('expired');
    } finally {
      await w.destroy();
    }
  });
});

