/**
 * modifyInvitation (Tencent's name, Ringlet's rules; API.md "modifyInvitation"): who may
 * change an invitation's data, who hears INVITATION_MODIFIED, its errors, that it leaves no
 * history message, that the server keeps the new data (getInvitation reads it back, to parties
 * only), and that a session away replays it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ACCEPTED, expectError, expectOk, history, invite, MODIFIED, NEW, pending, sleep, startProxy, useHarness, type Proxy } from './helpers.ts';

const h = useHarness();
let proxy: Proxy | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

async function answered(): Promise<{ alice: Awaited<ReturnType<ReturnType<typeof h>['online']>>; bob: Awaited<ReturnType<ReturnType<typeof h>['online']>>; id: string }> {
  const alice = await h().online('alice');
  const bob = await h().online('bob');
  const id = await invite(alice, { userID: bob.userID, data: '{"callType":"audio"}', timeout: 30 });
  await bob.rec.waitSig(NEW, id);
  expectOk(await bob.chat.accept({ inviteID: id }), id);
  await alice.rec.waitSig(ACCEPTED, id);
  return { alice, bob, id };
}

describe('modifyInvitation', () => {
  it('lets the inviter change a ringing invitation: the invitee hears it, pending lists the new data, no history message is added', async () => {
    const alice = await h().online('alice');
    const bob = await h().online('bob');
    const id = await invite(alice, { userID: bob.userID, data: 'first', timeout: 0 });
    await bob.rec.waitSig(NEW, id);
    const before = (await history(alice, `C2C${bob.userID}`)).length;
    const res = await alice.chat.modifyInvitation({ inviteID: id, data: 'second' });
    expect(res).toMatchObject({ code: 0, data: { inviteID: id, data: 'second' } });
    const ev = await bob.rec.waitSig(MODIFIED, id);
    expect(ev).toEqual({ inviteID: id, inviter: alice.userID, groupID: '', data: 'second', modifier: alice.userID });
    expect((await pending(bob, id))?.data).toBe('second');
    expect(await history(alice, `C2C${bob.userID}`)).toHaveLength(before);
    // the requesting session has its promise and hears no event (rule 6)
    await alice.rec.barrier();
    expect(alice.rec.sig(MODIFIED, id)).toHaveLength(0);
  });

  it('lets either party of an answered call change it (hold), each hearing the other, and the other device of the same user too', async () => {
    const { alice, bob, id } = await answered();
    const bob2 = await h().client(bob.userID);
    expect((await alice.chat.modifyInvitation({ inviteID: id, data: '{"hold":["alice"]}' })).code).toBe(0);
    expect((await bob.rec.waitSig(MODIFIED, id)).modifier).toBe(alice.userID);
    expect((await bob2.rec.waitSig(MODIFIED, id)).data).toBe('{"hold":["alice"]}');
    expect((await bob.chat.modifyInvitation({ inviteID: id, data: '{"hold":[]}' })).code).toBe(0);
    const back = await alice.rec.waitSig(MODIFIED, id, (d) => d.modifier === bob.userID);
    expect(back.data).toBe('{"hold":[]}');
    await bob2.rec.waitSig(MODIFIED, id, (d) => d.modifier === bob.userID);
  });

  it('refuses a stranger (8011 not_party), a pending invitee (8011 not_accepted) and an unknown invitation (8010 not_found), changing nothing', async () => {
    const alice = await h().online('alice');
    const bob = await h().online('bob');
    const eve = await h().online('eve');
    const id = await invite(alice, { userID: bob.userID, data: 'd', timeout: 0 });
    await bob.rec.waitSig(NEW, id);
    await expectError(() => eve.chat.modifyInvitation({ inviteID: id, data: 'x' }), 8011, 'not_party');
    await expectError(() => bob.chat.modifyInvitation({ inviteID: id, data: 'x' }), 8011, 'not_accepted');
    await expectError(() => alice.chat.modifyInvitation({ inviteID: 'no-such-invitation', data: 'x' }), 8010, 'not_found');
    expect((await pending(bob, id))?.data).toBe('d');
  });

  it('refuses an invitation that ended with nobody accepting (8010 with how it ended) and an invitee who rejected', async () => {
    const alice = await h().online('alice');
    const bob = await h().online('bob');
    const cancelled = await invite(alice, { userID: bob.userID, timeout: 0 });
    expectOk(await alice.chat.cancel({ inviteID: cancelled }));
    await expectError(() => alice.chat.modifyInvitation({ inviteID: cancelled, data: 'x' }), 8010, 'cancelled');
    const rejected = await invite(alice, { userID: bob.userID, timeout: 0 });
    await bob.rec.waitSig(NEW, rejected);
    expectOk(await bob.chat.reject({ inviteID: rejected }));
    await expectError(() => bob.chat.modifyInvitation({ inviteID: rejected, data: 'x' }), 8010, 'rejected');
    await expectError(() => alice.chat.modifyInvitation({ inviteID: rejected, data: 'x' }), 8010, 'rejected');
  });

  it('checks data like every signaling call (8001 over 8192 bytes, missing)', async () => {
    const { alice, id } = await answered();
    await expectError(() => alice.chat.modifyInvitation({ inviteID: id, data: 'x'.repeat(8193) }), 8001);
    await expectError(() => alice.chat.modifyInvitation({ inviteID: id }), 8001);
  });

  it('replays a change made while a party was away when its SDK reconnects by itself', async () => {
    proxy = await startProxy(h().url);
    const alice = await h().online('alice');
    const bobID = await h().user('bob');
    const bob = await h().client(bobID, { server: proxy.url });
    const id = await invite(alice, { userID: bobID, timeout: 30 });
    await bob.rec.waitSig(NEW, id);
    expectOk(await bob.chat.accept({ inviteID: id }));
    await alice.rec.waitSig(ACCEPTED, id);
    proxy.drop();
    await sleep(200);
    expect((await alice.chat.modifyInvitation({ inviteID: id, data: '{"hold":["alice"]}' })).code).toBe(0);
    proxy.resume();
    const ev = await bob.rec.waitSig(MODIFIED, id, () => true, 20_000);
    expect(ev).toMatchObject({ data: '{"hold":["alice"]}', modifier: alice.userID });
    await bob.rec.barrier();
    expect(bob.rec.sig(MODIFIED, id)).toHaveLength(1);
  });

  it('getInvitation gives a party the data as the server keeps it now (how a device that was away catches up), and nobody else', async () => {
    const { alice, bob, id } = await answered();
    const eve = await h().online('eve');
    expect((await alice.chat.modifyInvitation({ inviteID: id, data: '{"hold":["alice"]}' })).code).toBe(0);
    for (const c of [alice, bob]) {
      const res = await c.chat.getInvitation({ inviteID: id });
      expect(res.data.invitation).toEqual({ inviteID: id, inviter: alice.userID, groupID: '', inviteeList: [bob.userID], data: '{"hold":["alice"]}', timeout: 30 });
    }
    await expectError(() => eve.chat.getInvitation({ inviteID: id }), 8011, 'not_party');
    await expectError(() => eve.chat.getInvitation({ inviteID: 'no-such-invitation' }), 8010, 'not_found');
  });
});
