/**
 * Presence across nodes (issue 21 item 5): two nodes on one PostgreSQL and one Redis. A
 * subscriber on node A hears a user on node B log in, log out, start and end a call
 * (customStatus `in_call`) and turn do-not-disturb on (`dnd`); a stranger and a blocked
 * user on A get UNKNOWN only. The test waits on the events (no sleeps) and prints how long
 * each change took to arrive on the other node: a measurement, never an assertion on time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CUSTOM_STATUS, USER_STATUS } from '../../src/sdk/index.ts';
import { startServer, type RingletServer } from '../../src/server/index.ts';
import { REDIS_URL, skipUnless, testStorage, type TestStorage } from '../support/backends.ts';
import { statusFeed } from '../support/status-feed.ts';
import { connectClient, type Client } from '../integration/harness.ts';
import { uid } from './helpers.ts';

const skip = await skipUnless('postgres', 'redis');
const { ONLINE, OFFLINE, UNKNOWN } = USER_STATUS;

describe.skipIf(skip)('presence across two nodes', () => {
  let db: TestStorage;
  let nodes: RingletServer[];
  const clients: Client[] = [];

  beforeAll(async () => {
    db = await testStorage('presence-cluster', 'postgres');
    // The benchmark changes bob's status 30 times in a few seconds: above the default status_rate.
    const start = () => startServer({ port: 0, ...db.serverOptions, redis: REDIS_URL, deadlinePollMs: 400, limits: { statusRate: { perSecond: 100, burst: 100 } } });
    nodes = [await start(), await start()];
  }, 60_000);
  afterAll(async () => {
    for (const c of clients) await c.chat.destroy().catch(() => undefined);
    for (const n of nodes ?? []) await n.close();
    await db?.cleanup();
  });

  async function client(node: number, userID: string): Promise<Client> {
    const c = await connectClient(nodes[node]!.url, userID, await nodes[node]!.userSig(userID, 600));
    clients.push(c);
    return c;
  }

  it('login, logout, in a call, call over and do-not-disturb on node B reach a subscriber on node A', async () => {
    const watcher = await client(0, uid('watcher'));
    const bobID = uid('bob');
    let bob = await client(1, bobID);
    await bob.chat.addContact({ userID: watcher.userID });
    const feed = statusFeed(watcher.chat);
    await watcher.chat.subscribeUserStatus({ userIDList: [bobID] });
    expect((await watcher.chat.getUserStatus({ userIDList: [bobID] })).data.successUserList).toEqual([{ userID: bobID, statusType: ONLINE, customStatus: '' }]);

    const ms: Record<string, number[]> = { login: [], logout: [], callStart: [], callEnd: [], dnd: [] };
    const step = async (name: string, act: () => Promise<unknown>, statusType: number, custom: string) => {
      const from = feed.heard.length;
      const t0 = performance.now();
      await act();
      const at = await feed.until(bobID, statusType, custom, from);
      ms[name]!.push(at - t0);
    };
    for (let round = 0; round < 10; round++) {
      await step('callStart', () => bob.chat.setSelfStatus({ customStatus: CUSTOM_STATUS.IN_CALL }), ONLINE, CUSTOM_STATUS.IN_CALL);
      await step('callEnd', () => bob.chat.setSelfStatus({ customStatus: '' }), ONLINE, '');
      await step('dnd', () => bob.chat.setSelfStatus({ customStatus: CUSTOM_STATUS.DND }), ONLINE, CUSTOM_STATUS.DND);
      await step('logout', () => bob.chat.logout(), OFFLINE, '');
      // From the login call to the status on the other node (the login itself is part of it).
      await step('login', async () => (bob = await client(1, bobID)), ONLINE, '');
    }
    const summary = Object.fromEntries(Object.entries(ms).map(([k, v]) => {
      const s = [...v].sort((a, b) => a - b);
      return [k, { n: s.length, median: +s[Math.floor(s.length / 2)]!.toFixed(1), max: +s.at(-1)!.toFixed(1) }];
    }));
    console.log(`presence latency across nodes (ms, action → event on the other node): ${JSON.stringify(summary)}`);
  });

  it('a stranger and a blocked user on node A get UNKNOWN for a user on node B, and hear nothing of his changes', async () => {
    const bob = await client(1, uid('bob'));
    const friend = await client(0, uid('friend'));
    const eve = await client(0, uid('eve'));
    const mallory = await client(0, uid('mallory'));
    await bob.chat.addContact({ userID: friend.userID });
    const { data } = await bob.chat.createGroup({ name: 'g', memberList: [] });
    await mallory.chat.addContact({ userID: bob.userID });
    await bob.chat.addContact({ userID: mallory.userID });
    await bob.chat.addGroupMember({ groupID: data.group.groupID, userIDList: [mallory.userID] });
    await bob.chat.addToBlacklist({ userIDList: [mallory.userID] });
    const feeds = { friend: statusFeed(friend.chat), eve: statusFeed(eve.chat), mallory: statusFeed(mallory.chat) };
    for (const c of [friend, eve, mallory]) await c.chat.subscribeUserStatus({ userIDList: [bob.userID] });
    expect((await eve.chat.getUserStatus({ userIDList: [bob.userID] })).data.successUserList[0]!.statusType).toBe(UNKNOWN);
    // Shares a group with bob, but he blocks her.
    expect((await mallory.chat.getUserStatus({ userIDList: [bob.userID] })).data.successUserList[0]!.statusType).toBe(UNKNOWN);
    await bob.chat.setSelfStatus({ customStatus: CUSTOM_STATUS.DND });
    await feeds.friend.until(bob.userID, ONLINE, CUSTOM_STATUS.DND);
    await bob.chat.logout();
    await feeds.friend.until(bob.userID, OFFLINE);
    await eve.barrier(friend.chat);
    await mallory.barrier(friend.chat);
    // Never shown bob's status: they hear nothing of his changes, not even when they happen.
    for (const f of [feeds.eve, feeds.mallory]) expect(f.heard.filter((s) => s.userID === bob.userID)).toEqual([]);
  });
});
