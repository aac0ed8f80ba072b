/**
 * The admin command on a cluster (two node processes, PostgreSQL + Redis): a user disabled
 * by `npm run admin` is kicked from every node at once, once per session, and no node lets
 * them back in; `online` asked of one node sees users on every node.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChat, EVENT } from '../../src/sdk/index.ts';
import { runAdmin } from '../support/admin-cli.ts';
import { REDIS_URL, skipUnless, testStorage, type TestStorage } from '../support/backends.ts';
import { Cluster } from '../support/cluster.ts';
import { Devices, uid, until, type Device } from './helpers.ts';

const skip = await skipUnless('postgres', 'redis');

const admin = (args: string[], storage: string, socket: string) => runAdmin([...args, '--store', storage, '--admin-socket', socket]);

describe.skipIf(skip)('admin command on a cluster: 2 nodes, PostgreSQL + Redis', () => {
  let db: TestStorage;
  let cluster: Cluster;
  let devices: Devices;

  beforeAll(async () => {
    db = await testStorage('admin_kick', 'postgres');
    cluster = await Cluster.start({ nodes: 2, storage: db.storage, redis: REDIS_URL, adminSocketDir: db.dir });
    devices = new Devices(cluster);
  }, 60_000);

  afterAll(async () => {
    await devices?.destroyAll();
    await cluster?.close();
    await db?.cleanup();
  });

  it('disable kicks the user\'s sessions on both nodes once each, and neither node lets them back in', async () => {
    const alice = uid('alice');
    const bob = uid('bob');
    const onA = await devices.login(alice, cluster.nodes[0]!.url, 'alice@0');
    const onB = await devices.login(alice, cluster.nodes[1]!.url, 'alice@1');
    const bobOnB = await devices.login(bob, cluster.nodes[1]!.url, 'bob@1');
    const kicks = new Map<Device, string[]>([[onA, []], [onB, []], [bobOnB, []]]);
    for (const [d, list] of kicks) d.chat.on(EVENT.KICKED_OUT, (e: any) => list.push(e.data.type));

    // Node 0 answers for the whole cluster: bob is connected to node 1 only.
    const online = await admin(['online', '--json'], db.storage, cluster.adminSocket(0));
    expect(online.status).toBe(0);
    expect(JSON.parse(online.stdout)).toEqual(expect.arrayContaining([alice, bob]));

    const r = await admin(['users', 'disable', alice], db.storage, cluster.adminSocket(0));
    expect(r).toMatchObject({ status: 0 });
    await until(() => kicks.get(onA)!.length > 0 && kicks.get(onB)!.length > 0, 20_000, 'alice kicked on both nodes');
    // Both nodes read the admin log and send the revocation; each session still hears it once.
    await until(async () => !JSON.parse((await admin(['online', '--json'], db.storage, cluster.adminSocket(1))).stdout).includes(alice), 20_000, 'alice offline');
    expect(kicks.get(onA)).toEqual(['userSigExpired']);
    expect(kicks.get(onB)).toEqual(['userSigExpired']);
    expect(kicks.get(bobOnB)).toEqual([]);
    expect((await bobOnB.chat.getGroupList()).code).toBe(0);
    for (const node of cluster.nodes) {
      // A token at any generation is refused: the store reports the disabled generation.
      const sig = await cluster.sigs.sign(alice, 600, Date.now(), 1_000_000);
      const chat = createChat({ server: node.url });
      try {
        await expect(chat.login({ userID: alice, userSig: sig })).rejects.toMatchObject({ code: 70001 });
      } finally {
        await chat.destroy();
      }
    }
  });
});
