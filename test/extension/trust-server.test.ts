/**
 * The worker's people requests (features/trust.ts) on the real SDK against a real server
 * that asks for group consent: the lists are the server's, a block made in the worker
 * refuses the caller there, and group invitations are listed, joined and declined.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { encodeInvite } from '../../src/protocol/call-data.ts';
import { bootPhone, signedInPhone, workersOnServer } from './real-phone.ts';

const env = workersOnServer({ groupConsent: true });
const bob = () => env.bob();

describe('people in the worker, on a real server', () => {
  it('blocks and unblocks, adds and removes contacts: every answer is the server\'s lists', async () => {
    const b = await bob();
    expect(await b.phone.handle({ type: 'trust/lists' })).toEqual({ contacts: [], blocked: [] });
    expect(await b.phone.handle({ type: 'trust/addContact', userID: 'alice' })).toEqual({ contacts: ['alice'], blocked: [] });
    // Blocking removes the contact; the server refuses alice's call from then on.
    expect(await b.phone.handle({ type: 'trust/block', userID: 'alice' })).toEqual({ contacts: [], blocked: ['alice'] });
    const refused = await env.alice.chat.invite({ userID: b.userID, data: encodeInvite('room', 'audio'), timeout: 30 }).then(
      () => null,
      (e: { code: number; reason: string }) => `${e.code}:${e.reason}`,
    );
    expect(refused).toBe('8040:pending_invitations');
    expect(await b.phone.handle({ type: 'trust/unblock', userID: 'alice' })).toEqual({ contacts: [], blocked: [] });
    await expect(b.phone.handle({ type: 'trust/addContact', userID: 'nobody-here' })).rejects.toThrow();
  });

  it('lists group invitations and joins or declines them', async () => {
    const b = await bob();
    await env.alice.chat.createGroup({ groupID: `g-join-${b.userID}`, name: 'Join me', memberList: [b.userID] });
    await env.alice.chat.createGroup({ groupID: `g-no-${b.userID}`, name: 'No thanks', memberList: [b.userID] });
    const list = await b.phone.handle({ type: 'groupInvites/list' });
    expect(list.map((i) => [i.group.name, i.inviter])).toEqual([['Join me', 'alice'], ['No thanks', 'alice']]);
    expect((await b.phone.handle({ type: 'groupInvites/accept', groupID: `g-join-${b.userID}` })).map((i) => i.group.groupID)).toEqual([`g-no-${b.userID}`]);
    expect(await b.phone.handle({ type: 'groupInvites/decline', groupID: `g-no-${b.userID}` })).toEqual([]);
    expect((await b.phone.handle({ type: 'groups/list' })).map((g) => g.groupID)).toEqual([`g-join-${b.userID}`]);
  });
});
