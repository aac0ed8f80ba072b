/**
 * A user's live events reach each of its sessions in seq order, even when a commit's
 * events are published after a later commit's (issue 24: two answers committed at once on
 * PostgreSQL, the second published 0.1 ms before the first, and the first was lost). The
 * race is made deterministic by holding one publish back (test/support/publish-gate.ts).
 * Runs on a real SQLite file, and on PostgreSQL in the integration-postgres project.
 */
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocketServer } from 'ws';
import { createChat, EVENT, TSignaling } from '../../src/sdk/index.ts';
import { barrierArrival, isBarrier, newBarrierToken, sendBarrier } from '../support/barrier.ts';
import { PublishGate } from '../support/publish-gate.ts';
import { startHarness, type Client, type Harness } from './harness.ts';

const { NEW_INVITATION_RECEIVED: NEW, INVITEE_ACCEPTED: ACCEPTED, INVITEE_REJECTED: REJECTED, INVITATION_CANCELLED: CANCELLED } = TSignaling;

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

async function gated(): Promise<{ h: Harness; gate: PublishGate }> {
  let gate: PublishGate | null = null;
  h = await startHarness({ wrapBus: (bus) => (gate = new PublishGate(bus)) });
  return { h, gate: gate! };
}

async function ringing(from: Client, to: Client, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push((await from.chat.invite({ userID: to.userID, data: `call ${i}`, timeout: 0 })).inviteID);
  for (const id of ids) await to.waitFor((e) => e.name === NEW && e.data.inviteID === id);
  return ids;
}

/** What `c` heard about `ids`, in arrival order, as [name, inviteID]. */
function heard(c: Client, ids: readonly string[]): Array<[string, string]> {
  return c.events.filter((e) => ids.includes(e.data.inviteID) && e.name !== NEW).map((e) => [e.name, e.data.inviteID]);
}

/**
 * Bob accepts alice's call `a` and rejects her call `b`; the accept's events are held back
 * at the bus, so the reject's (alice's next seq) are published first.
 */
async function answersOutOfOrder(): Promise<{ gate: PublishGate; alice: Client; bob: Client; a: string; b: string }> {
  const { h, gate } = await gated();
  const alice = await h.client('alice');
  const bob = await h.client('bob');
  const [a, b] = await ringing(alice, bob, 2);
  const held = gate.holdNext('alice');
  expect((await bob.chat.accept({ inviteID: a! })).code).toBe(0);
  const seqA = await held;
  // Bob's reply goes out before the publish, so by now the reject's events have reached the bus.
  expect((await bob.chat.reject({ inviteID: b! })).code).toBe(0);
  expect(gate.passed.get('alice')?.at(-1), 'the later commit went through first').toBe(seqA + 1);
  return { gate, alice, bob, a: a!, b: b! };
}

describe('live order per user', () => {
  it('an answer published after a later answer still reaches the caller, and before it', async () => {
    const { gate, alice, a, b } = await answersOutOfOrder();
    gate.release();
    await alice.waitFor((e) => e.name === ACCEPTED && e.data.inviteID === a);
    await alice.waitFor((e) => e.name === REJECTED && e.data.inviteID === b);
    expect(heard(alice, [a, b])).toEqual([[ACCEPTED, a], [REJECTED, b]]);
  });

  it('orders before it leaves out the session that caused an event: that one hears the earlier event, the others both in order', async () => {
    const { h, gate } = await gated();
    const a1 = await h.client('alice');
    const a2 = await h.client('alice');
    const bob = await h.client('bob');
    const [a, c] = await ringing(a1, bob, 2);
    await a2.barrier(bob.chat);
    const held = gate.holdNext('alice');
    expect((await bob.chat.accept({ inviteID: a! })).code).toBe(0);
    const seqA = await held;
    // a1's own cancel: stored for alice (her other devices hear it), not sent to a1.
    expect((await a1.chat.cancel({ inviteID: c! })).code).toBe(0);
    expect(gate.passed.get('alice')?.at(-1)).toBe(seqA + 1);
    gate.release();
    await a2.waitFor((e) => e.name === CANCELLED && e.data.inviteID === c);
    await a1.waitFor((e) => e.name === ACCEPTED && e.data.inviteID === a);
    expect(heard(a2, [a!, c!])).toEqual([[ACCEPTED, a], [CANCELLED, c]]);
    await a1.barrier(bob.chat);
    expect(heard(a1, [a!, c!])).toEqual([[ACCEPTED, a]]);
  });

  it('an event whose publish never comes: the user\'s sessions resync (1012) and hear it from the store, in order', async () => {
    // The accept is never released: as if the publishing process had died after its commit.
    const { alice, a, b } = await answersOutOfOrder();
    const states: string[] = [];
    alice.chat.on(EVENT.NET_STATE_CHANGE, (e) => states.push((e.data as { state: string }).state));
    await alice.waitFor((e) => e.name === REJECTED && e.data.inviteID === b);
    expect(states).toContain('disconnected');
    expect(heard(alice, [a, b])).toEqual([[ACCEPTED, a], [REJECTED, b]]);
  });

  it('keeps an online-only message sent after a held-back event behind it', async () => {
    const { gate, alice, bob } = await answersOutOfOrder();
    const order: string[] = [];
    alice.chat.on(EVENT.MESSAGE_RECEIVED, (e) => {
      if ((e.data as unknown[]).some(isBarrier)) order.push('message');
    });
    for (const name of [ACCEPTED, REJECTED]) alice.chat.addSignalingListener(name, () => order.push(name));
    // An online-only message (no seq) published while the accept is still missing.
    const token = newBarrierToken();
    const arrived = barrierArrival(alice.chat, token, 8000, 'alice');
    await sendBarrier(bob.chat, 'alice', token);
    gate.release();
    await arrived;
    expect(order).toEqual([ACCEPTED, REJECTED, 'message']);
  });
});

describe('the SDK', () => {
  it('delivers an event whose seq is below the highest it has seen but which it has not seen, and drops only what it has', async () => {
    // A scripted server on a real socket: the real one never sends a user's events out of order.
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    const logins: Array<{ resume?: { lastSeq: number } }> = [];
    const message = (seq: number) => JSON.stringify({ type: 'push', seq, message: { ID: `m${seq}`, conversationID: 'C2Cbob', from: 'bob', to: 'alice', time: 1, type: 'TIMCustomElem', payload: { data: `m${seq}` } } });
    wss.on('connection', (ws) => {
      ws.on('message', (raw) => {
        const f = JSON.parse(String(raw)) as { type: string; id: string; resume?: { lastSeq: number } };
        if (f.type !== 'login') return;
        logins.push(f);
        const first = logins.length === 1;
        const seq = first ? 4 : 8;
        ws.send(JSON.stringify({ type: 'res', id: f.id, code: 0, data: { userID: 'alice', seq, serverTime: Date.now(), resumed: !first, expiresIn: 3600 } }));
        ws.send(JSON.stringify({ type: 'groups', groupList: [] }));
        if (first) {
          ws.send(JSON.stringify({ type: 'synced', seq }));
          for (const s of [5, 7, 6, 7, 5]) ws.send(message(s));
          ws.close(1012, 'resync');
        } else {
          ws.send(message(8));
          ws.send(JSON.stringify({ type: 'synced', seq }));
          ws.send(message(6));
          ws.send(message(9));
        }
      });
    });
    await new Promise((r) => wss.once('listening', r));
    const chat = createChat({ server: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, backoffMinMs: 10, backoffMaxMs: 50 });
    const got: string[] = [];
    chat.on(EVENT.MESSAGE_RECEIVED, (e) => got.push(...(e.data as Array<{ ID: string }>).map((m) => m.ID)));
    try {
      await chat.login({ userID: 'alice', userSig: 'x' });
      await vi.waitFor(() => expect(got).toContain('m9'), { timeout: 20_000 });
      expect(got).toEqual(['m5', 'm7', 'm6', 'm8', 'm9']);
      expect(logins[1]?.resume).toEqual({ lastSeq: 7 });
    } finally {
      await chat.destroy();
      await new Promise((r) => wss.close(r));
    }
  });
});
