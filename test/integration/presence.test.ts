/**
 * Presence (issue 21 item 5) against a real server: getUserStatus, subscribeUserStatus,
 * unsubscribeUserStatus, setSelfStatus and USER_STATUS_UPDATED. Login, logout, a custom
 * status ("in_call", "dnd") reach a subscriber; a stranger, a blocked user and someone
 * asking about a user that does not exist all get UNKNOWN and nothing else; subscriptions
 * and status changes are bounded; an invitation to an offline user rings at their login.
 * Runs on SQLite and, with `--project integration-postgres`, on PostgreSQL. The two-node
 * version is test/cluster/presence.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CUSTOM_STATUS, TSignaling, USER_STATUS } from '../../src/sdk/index.ts';
import { statusFeed } from '../support/status-feed.ts';
import { startHarness, type Client, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ limits: { maxStatusSubscriptions: 5, statusRate: { perSecond: 1, burst: 8 } } });
});
afterAll(() => h.close());

let counter = 0;
const uid = (base: string) => `${base}${++counter}_${Math.random().toString(36).slice(2, 7)}`;
const { ONLINE, OFFLINE, UNKNOWN } = USER_STATUS;

async function failure(p: Promise<unknown>): Promise<{ code: number; reason: string; message: string }> {
  try {
    await p;
  } catch (err) {
    return err as { code: number; reason: string; message: string };
  }
  throw new Error('the call succeeded; it must fail');
}

const statusOf = async (c: Client, userID: string) => (await c.chat.getUserStatus({ userIDList: [userID] })).data.successUserList[0];

describe('presence', () => {
  it('a contact sees login, logout, in a call and do-not-disturb as they happen', async () => {
    const alice = await h.client(uid('alice'));
    const bobID = uid('bob');
    let bob = await h.client(bobID);
    // bob shows his status to alice: she is his contact.
    await bob.chat.addContact({ userID: alice.userID });
    const feed = statusFeed(alice.chat);
    await alice.chat.subscribeUserStatus({ userIDList: [bobID] });
    expect(await statusOf(alice, bobID)).toEqual({ userID: bobID, statusType: ONLINE, customStatus: '' });

    let from = feed.heard.length;
    await bob.chat.setSelfStatus({ customStatus: CUSTOM_STATUS.IN_CALL });
    await feed.until(bobID, ONLINE, CUSTOM_STATUS.IN_CALL, from);
    from = feed.heard.length;
    await bob.chat.setSelfStatus({ customStatus: CUSTOM_STATUS.DND });
    await feed.until(bobID, ONLINE, CUSTOM_STATUS.DND, from);
    from = feed.heard.length;
    await bob.chat.setSelfStatus({ customStatus: '' });
    await feed.until(bobID, ONLINE, '', from);

    from = feed.heard.length;
    await bob.chat.setSelfStatus({ customStatus: CUSTOM_STATUS.IN_CALL });
    await bob.chat.logout();
    await feed.until(bobID, OFFLINE, '', from);
    expect(await statusOf(alice, bobID)).toEqual({ userID: bobID, statusType: OFFLINE, customStatus: '' });

    from = feed.heard.length;
    bob = await h.client(bobID);
    // Logged out, the custom status went with him.
    await feed.until(bobID, ONLINE, '', from);

    // Unsubscribed: nothing more (proved after a barrier that follows a change).
    await alice.chat.unsubscribeUserStatus({ userIDList: [bobID] });
    from = feed.heard.length;
    await bob.chat.setSelfStatus({ customStatus: CUSTOM_STATUS.DND });
    await alice.barrier(bob.chat);
    expect(feed.heard.slice(from).filter((s) => s.userID === bobID)).toEqual([]);
  });

  it('my own sessions hear my status; sharing a group shows it both ways', async () => {
    const carol = await h.client(uid('carol'));
    const dave = await h.client(uid('dave'));
    const own = statusFeed(carol.chat);
    const res = await carol.chat.setSelfStatus({ customStatus: 'lunch' });
    expect(res.data).toEqual({ userID: carol.userID, statusType: ONLINE, customStatus: 'lunch' });
    await own.until(carol.userID, ONLINE, 'lunch');
    expect(await statusOf(dave, carol.userID)).toMatchObject({ statusType: UNKNOWN });
    await dave.chat.addContact({ userID: carol.userID });
    await carol.chat.addContact({ userID: dave.userID });
    const { data } = await carol.chat.createGroup({ name: 'team', memberList: [dave.userID] });
    await carol.chat.removeContact({ userID: dave.userID });
    // Only the shared group now.
    expect(await statusOf(dave, carol.userID)).toEqual({ userID: carol.userID, statusType: ONLINE, customStatus: 'lunch' });
    expect(await statusOf(carol, dave.userID)).toEqual({ userID: dave.userID, statusType: ONLINE, customStatus: '' });
    await dave.chat.quitGroup(data.group.groupID);
    expect(await statusOf(dave, carol.userID)).toMatchObject({ statusType: UNKNOWN });
  });

  it('a stranger, a blocked user and a question about nobody get UNKNOWN, and never a real status pushed', async () => {
    const bob = await h.client(uid('bob'));
    const friend = await h.client(uid('friend'));
    const eve = await h.client(uid('eve'));
    const mallory = await h.client(uid('mallory'));
    await bob.chat.addContact({ userID: friend.userID });
    await bob.chat.addContact({ userID: mallory.userID });
    const friendFeed = statusFeed(friend.chat);
    const eveFeed = statusFeed(eve.chat);
    const malloryFeed = statusFeed(mallory.chat);
    for (const c of [friend, eve, mallory]) await c.chat.subscribeUserStatus({ userIDList: [bob.userID] });
    expect(await statusOf(eve, bob.userID)).toEqual({ userID: bob.userID, statusType: UNKNOWN, customStatus: '' });
    expect(await statusOf(mallory, bob.userID)).toMatchObject({ statusType: ONLINE });
    const nobody = uid('nobody');
    expect(await statusOf(eve, nobody)).toEqual({ userID: nobody, statusType: UNKNOWN, customStatus: '' });

    // mallory is told of bob's changes while she is his contact.
    await bob.chat.setSelfStatus({ customStatus: 'lunch' });
    await malloryFeed.until(bob.userID, ONLINE, 'lunch');
    // bob blocks mallory (which also drops her from his contacts): she hears UNKNOWN once, then nothing.
    await bob.chat.addToBlacklist({ userIDList: [mallory.userID] });
    expect(await statusOf(mallory, bob.userID)).toMatchObject({ statusType: UNKNOWN });
    await bob.chat.setSelfStatus({ customStatus: CUSTOM_STATUS.IN_CALL });
    await friendFeed.until(bob.userID, ONLINE, CUSTOM_STATUS.IN_CALL);
    await bob.chat.logout();
    await friendFeed.until(bob.userID, OFFLINE);
    await eve.barrier(friend.chat);
    await mallory.barrier(friend.chat);
    // eve was never shown bob's status: she hears nothing of his changes, not even when they happen.
    expect(eveFeed.heard.filter((s) => s.userID === bob.userID)).toEqual([]);
    expect(malloryFeed.heard.filter((s) => s.userID === bob.userID).map((s) => `${s.statusType}/${s.customStatus}`)).toEqual([`${ONLINE}/lunch`, `${UNKNOWN}/`]);
    expect(await statusOf(eve, bob.userID)).toMatchObject({ statusType: UNKNOWN });
    expect(await statusOf(mallory, bob.userID)).toMatchObject({ statusType: UNKNOWN });
  });

  it('subscriptions are bounded per session (8040 status_subscriptions); repeats do not count twice', async () => {
    const c = await h.client(uid('many'));
    const ids = Array.from({ length: 6 }, () => uid('x'));
    await c.chat.subscribeUserStatus({ userIDList: ids.slice(0, 5) });
    await c.chat.subscribeUserStatus({ userIDList: ids.slice(0, 5) });
    const err = await failure(c.chat.subscribeUserStatus({ userIDList: [ids[5]!] }));
    expect({ code: err.code, reason: err.reason }).toEqual({ code: 8040, reason: 'status_subscriptions' });
    expect(err.message).toContain('at most 5 status subscriptions per session');
    await c.chat.unsubscribeUserStatus({ userIDList: [ids[0]!] });
    await c.chat.subscribeUserStatus({ userIDList: [ids[5]!] });
    await c.chat.unsubscribeUserStatus();
    await c.chat.subscribeUserStatus({ userIDList: ids.slice(0, 5) });
  });

  it('status changes are rate-limited per user (8040 status_rate)', async () => {
    const c = await h.client(uid('flappy'));
    const answers: string[] = [];
    for (let i = 0; i < 12; i++) answers.push(await c.chat.setSelfStatus({ customStatus: `s${i}` }).then(() => 'ok', (e: { code: number; reason: string }) => `${e.code}:${e.reason}`));
    expect(answers.filter((a) => a === 'ok').length).toBeGreaterThanOrEqual(8);
    expect(answers).toContain('8040:status_rate');
  });

  it('bad parameters are 8001 before they leave the SDK and on the wire', async () => {
    const c = await h.client(uid('bad'));
    expect((await failure(c.chat.setSelfStatus({ customStatus: 'x'.repeat(101) }))).code).toBe(8001);
    expect((await failure(c.chat.getUserStatus({ userIDList: [] }))).code).toBe(8001);
    expect((await failure(c.chat.subscribeUserStatus({ userIDList: Array.from({ length: 101 }, (_, i) => `u${i}`) }))).code).toBe(8001);
  });

  it('an invitation to an offline user rings at their login while it is pending', async () => {
    const alice = await h.client(uid('alice'));
    const bobID = uid('bob');
    let bob = await h.client(bobID);
    await bob.chat.addContact({ userID: alice.userID });
    await bob.chat.logout();
    expect(await statusOf(alice, bobID)).toMatchObject({ statusType: OFFLINE });
    const call = await alice.chat.invite({ userID: bobID, timeout: 30 });
    bob = await h.client(bobID);
    await bob.waitFor((e) => e.name === TSignaling.NEW_INVITATION_RECEIVED && e.data.inviteID === call.inviteID);
  });
});
