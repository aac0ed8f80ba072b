/**
 * Blocks and group consent across nodes (issue 17): two nodes on one PostgreSQL and one
 * Redis. A block made on node A refuses an invitation that arrives on node B at once (the
 * lists live in the shared store; no node keeps a copy), and unblocking on A lets B's next
 * invitation ring the user on A. A group invitation made on B reaches the user's session on
 * A, and accepting it on A makes the membership B's group calls see.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT, TSignaling, type GroupInvitation } from '../../src/sdk/index.ts';
import { startServer, type RingletServer } from '../../src/server/index.ts';
import { REDIS_URL, skipUnless, testStorage, type TestStorage } from '../support/backends.ts';
import { connectClient, type Client } from '../integration/harness.ts';
import { until, uid } from './helpers.ts';

const skip = await skipUnless('postgres', 'redis');

describe.skipIf(skip)('blocks and group consent on every node', () => {
  let db: TestStorage;
  let nodes: RingletServer[];
  const clients: Client[] = [];

  beforeAll(async () => {
    db = await testStorage('blocks-cluster', 'postgres');
    const start = () => startServer({ port: 0, ...db.serverOptions, redis: REDIS_URL, deadlinePollMs: 400 });
    nodes = [await start(), await start()];
  }, 60_000);
  afterAll(async () => {
    for (const c of clients) await c.chat.destroy().catch(() => undefined);
    for (const n of nodes ?? []) await n.close();
    await db?.cleanup();
  });

  async function client(node: number, base: string): Promise<Client> {
    const userID = uid(base);
    const c = await connectClient(nodes[node]!.url, userID, await nodes[node]!.userSig(userID, 600));
    clients.push(c);
    return c;
  }

  it('a block made on node A refuses an invitation arriving on node B; unblocking on A lets B\'s next one ring', async () => {
    const victim = await client(0, 'victim');
    const mallory = await client(1, 'mallory');
    const witness = await client(1, 'witness');
    await victim.chat.addToBlacklist({ userIDList: [mallory.userID] });
    const err = await mallory.chat.invite({ userID: victim.userID, timeout: 0 }).then(
      () => null,
      (e: { code: number; reason: string }) => e,
    );
    expect(err && { code: err.code, reason: err.reason }).toEqual({ code: 8040, reason: 'pending_invitations' });
    await victim.barrier(witness.chat);
    expect(victim.count(TSignaling.NEW_INVITATION_RECEIVED)).toBe(0);

    await victim.chat.removeFromBlacklist({ userIDList: [mallory.userID] });
    const call = await mallory.chat.invite({ userID: victim.userID, timeout: 0 });
    await victim.waitFor((e) => e.name === TSignaling.NEW_INVITATION_RECEIVED && e.data.inviteID === call.inviteID);
  });

  it('a group invitation made on node B reaches the user on node A; accepting there makes them a member for B', async () => {
    const user = await client(0, 'user');
    const owner = await client(1, 'owner');
    const heard: GroupInvitation[] = [];
    user.chat.on(EVENT.GROUP_INVITATION_RECEIVED, (e) => heard.push(e.data as GroupInvitation));
    const { data } = await owner.chat.createGroup({ name: 'across', memberList: [user.userID] });
    expect(data.invitedUserIDList).toEqual([user.userID]);
    await until(() => heard.length === 1);
    expect(heard[0]).toMatchObject({ inviter: owner.userID, group: { groupID: data.group.groupID } });
    await user.chat.acceptGroupInvitation({ groupID: data.group.groupID });
    const call = await owner.chat.inviteInGroup({ groupID: data.group.groupID, inviteeList: [user.userID], timeout: 0 });
    await user.waitFor((e) => e.name === TSignaling.NEW_INVITATION_RECEIVED && e.data.inviteID === call.inviteID);
  });
});
