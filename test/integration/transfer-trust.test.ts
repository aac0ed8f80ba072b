/**
 * Transfer and add someone against the pending caps (API.md "Transfer and add someone",
 * SECURITY.md "Blocks"): the target takes the requester's places, in the strangers' pool
 * when it does not know the requester; a transfer does not let a stranger's call jump the
 * pool by passing through someone the target knows. SQLite here, PostgreSQL with
 * `--project integration-postgres`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeInvite } from '../../src/protocol/call-data.ts';
import { TSignaling } from '../../src/sdk/index.ts';
import { startHarness, type Client, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ limits: { pendingFromStrangers: 2 } });
});
afterAll(() => h.close());

let counter = 0;
const person = (base: string) => h.client(`${base}${++counter}_${Math.random().toString(36).slice(2, 7)}`);
const rings = (c: Client, inviteID: string) => c.waitFor((e) => e.name === TSignaling.NEW_INVITATION_RECEIVED && e.data.inviteID === inviteID);
const outcome = (p: Promise<unknown>) => p.then(() => 'ok', (e: { code: number; reason: string }) => `${e.code}:${e.reason}`);

async function running(a: Client, b: Client): Promise<string> {
  const { inviteID } = await a.chat.invite({ userID: b.userID, data: encodeInvite('r', 'audio'), timeout: 30 });
  await rings(b, inviteID);
  await b.chat.accept({ inviteID });
  return inviteID;
}

describe('transfer and add someone use the requester\'s places', () => {
  it('a stranger\'s transfer takes the target\'s strangers\' pool and is refused when it is full; a contact\'s still rings', async () => {
    const [alice, bob, carol, friend, s1, s2] = (await Promise.all(['alice', 'bob', 'carol', 'friend', 's', 's'].map(person))) as [Client, Client, Client, Client, Client, Client];
    await carol.chat.addContact({ userID: friend.userID });
    // Two strangers fill carol's strangers' pool.
    for (const s of [s1, s2]) await s.chat.invite({ userID: carol.userID, timeout: 0 });
    const call = await running(alice, bob);
    expect(await outcome(bob.chat.transferCall({ inviteID: call, userID: carol.userID })), 'bob is a stranger to carol').toBe('8040:pending_invitations');
    expect(await outcome(bob.chat.addToCall({ inviteID: call, userID: carol.userID }))).toBe('8040:pending_invitations');
    // friend, whom carol knows, hands alice on: it rings in the known pool.
    const call2 = await running(alice, friend);
    const { inviteID } = await friend.chat.transferCall({ inviteID: call2, userID: carol.userID });
    const ring = await rings(carol, inviteID);
    expect(ring.data.inviter).toBe(alice.userID);
    expect(JSON.parse(ring.data.data as string).join).toMatchObject({ kind: 'transfer', by: friend.userID });
  });
});
