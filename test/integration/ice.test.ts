import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ ice: { stun: ['stun:127.0.0.1:3478'], turn: ['turn:127.0.0.1:3478?transport=udp'], turnSecret: 'coturn-static-auth-secret', turnTTL: 600 } });
});
afterAll(() => h.close());

describe('getIceServers', () => {
  it('hands out STUN, and TURN with time-limited credentials in the TURN REST format coturn checks', async () => {
    const alice = await h.client('alice');
    const before = Math.floor(Date.now() / 1000);
    const { data } = await alice.chat.getIceServers();
    expect(data.ttl).toBe(600);
    expect(data.iceServers[0]).toEqual({ urls: ['stun:127.0.0.1:3478'] });
    const turn = data.iceServers[1]!;
    expect(turn.urls).toEqual(['turn:127.0.0.1:3478?transport=udp']);
    const [expiry, user] = turn.username!.split(':');
    expect(user).toBe('alice');
    expect(Number(expiry)).toBeGreaterThanOrEqual(before + 600);
    expect(Number(expiry)).toBeLessThanOrEqual(before + 602);
    // coturn (use-auth-secret) recomputes exactly this and compares.
    expect(turn.credential).toBe(createHmac('sha1', 'coturn-static-auth-secret').update(turn.username!).digest('base64'));
  });

  it('binds the TURN username to the caller, so one user cannot reuse another\'s', async () => {
    const bob = await h.client('bob');
    const { data } = await bob.chat.getIceServers();
    expect(data.iceServers[1]!.username).toMatch(/^\d+:bob$/);
  });
});
