/**
 * Scale-out: three node processes on one PostgreSQL database and one Redis, with clients
 * placed on chosen nodes (directly, or through a TCP proxy that stands in for the load
 * balancer). Each test can fail: it checks who heard what, how often, and what the
 * store committed, never how fast.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ActionType, parseSignalingPayload } from '../../src/sdk/index.ts';
import { c2cKey } from '../../src/server/model/conversation-keys.ts';
import { REDIS_URL, skipUnless, testStorage, type TestStorage } from '../support/backends.ts';
import { Cluster, redisPing, startRedis, stopRedis } from '../support/cluster.ts';
import { Devices, SIG, uid, until, type Device } from './helpers.ts';

const skip = await skipUnless('postgres', 'redis');

/** Every signaling event a device heard about `inviteID`, by name. */
function count(d: Device, name: string, inviteID: string): number {
  return d.about(name, inviteID).length;
}

/** The actionTypes of the 1:1 history messages of one invitation, oldest first (from the store). */
async function historyActions(cluster: Cluster, a: string, b: string, inviteID: string): Promise<number[]> {
  return cluster.store.read(async (tx) => {
    const out: number[] = [];
    for (const m of await tx.listMessages(c2cKey(a, b), null, 200)) {
      const p = parseSignalingPayload(m.payload.data);
      if (p && p.inviteID === inviteID) out.push(p.actionType);
    }
    return out;
  });
}

describe.skipIf(skip)('cluster: 3 nodes, PostgreSQL + Redis', () => {
  let db: TestStorage;
  let cluster: Cluster;
  let devices: Devices;
  let node: (i: number) => string;

  beforeAll(async () => {
    db = await testStorage('cluster', 'postgres');
    cluster = await Cluster.start({ nodes: 3, storage: db.storage, redis: REDIS_URL, deadlinePollMs: 400 });
    devices = new Devices(cluster);
    node = (i) => cluster.nodes[i]!.url;
  }, 60_000);

  afterEach(async () => {
    await devices.destroyAll();
  });

  /**
   * Invites `invitee` once from a fresh device of `inviter` on each node in `via` with the
   * shortest timeout (so that node arms the deadline), and waits until `heard` all hear
   * every one of them time out: a deadline due after everything before the call.
   */
  async function lateDeadlines(inviter: string, invitee: string, heard: Device[], via: string[]): Promise<void> {
    const ids: string[] = [];
    for (const url of via) {
      const d = await devices.login(inviter, url, `${inviter}@${url} (late deadline)`);
      ids.push((await d.chat.invite({ userID: invitee, timeout: 1 })).inviteID);
    }
    for (const id of ids) await Promise.all(heard.map((d) => d.waitFor(SIG.TIMEOUT, id, 15_000)));
  }

  afterAll(async () => {
    if (!(await redisPing())) await startRedis();
    await cluster?.close();
    await db?.cleanup();
  }, 60_000);

  it('rings the invitee on two other nodes; an accept on one stops the other, and the inviter hears it', async () => {
    const [alice, bob] = [uid('alice'), uid('bob')];
    const a = await devices.login(alice, node(0), 'alice@0');
    const b1 = await devices.login(bob, node(1), 'bob@1');
    const b2 = await devices.login(bob, node(2), 'bob@2');

    const { inviteID } = await a.chat.invite({ userID: bob, data: 'room-1', timeout: 30 });
    const [r1, r2] = await Promise.all([b1.waitFor(SIG.NEW, inviteID), b2.waitFor(SIG.NEW, inviteID)]);
    expect(r1.data.inviter).toBe(alice);
    expect(r2.data.data).toBe('room-1');
    expect(r2.data.remaining).toBeGreaterThan(25);

    await b1.chat.accept({ inviteID, data: 'ok' });
    const heardByA = await a.waitFor(SIG.ACCEPTED, inviteID);
    expect(heardByA.data.invitee).toBe(bob);
    const heardByB2 = await b2.waitFor(SIG.ACCEPTED, inviteID); // answered elsewhere
    expect(heardByB2.data.invitee).toBe(bob);
    await devices.barrier(node(1), a, b1, b2); // anything else about it would have come first
    expect(a.namesFor(inviteID)).toEqual([SIG.ACCEPTED]);
    expect(b1.namesFor(inviteID)).toEqual([SIG.NEW]); // its own accept came as the promise
    expect(b2.namesFor(inviteID)).toEqual([SIG.NEW, SIG.ACCEPTED]);
    expect((await b2.chat.getPendingInvitations()).data.invitationList).toEqual([]);
    expect(await historyActions(cluster, alice, bob, inviteID)).toEqual([ActionType.INVITE, ActionType.ACCEPT]);
  });

  it('accept crossing cancel across nodes: exactly one wins, and nobody hears both outcomes', async () => {
    const [alice, bob] = [uid('alice'), uid('bob')];
    const a1 = await devices.login(alice, node(0), 'alice@0');
    const a2 = await devices.login(alice, node(2), 'alice@2');
    const b1 = await devices.login(bob, node(1), 'bob@1');
    const b2 = await devices.login(bob, node(2), 'bob@2');
    const rounds = 12;
    let accepts = 0;
    let cancels = 0;
    for (let i = 0; i < rounds; i++) {
      const { inviteID } = await a1.chat.invite({ userID: bob, timeout: 30 });
      await b1.waitFor(SIG.NEW, inviteID);
      const [acc, can] = await Promise.allSettled([b1.chat.accept({ inviteID }), a1.chat.cancel({ inviteID })]);
      const accOk = acc.status === 'fulfilled';
      const canOk = can.status === 'fulfilled';
      expect(accOk !== canOk, `round ${i}: accept ${acc.status}, cancel ${can.status}`).toBe(true);
      const loser = (accOk ? can : acc) as PromiseRejectedResult;
      expect([8010, 8020]).toContain(loser.reason.code);
      expect(loser.reason.reason).toBe(accOk ? 'accepted' : 'cancelled');
      if (accOk) accepts++;
      else cancels++;
      // Observers on other nodes hear exactly the winner.
      const winner = accOk ? SIG.ACCEPTED : SIG.CANCELLED;
      const other = accOk ? SIG.CANCELLED : SIG.ACCEPTED;
      await Promise.all([a2.waitFor(winner, inviteID), b2.waitFor(winner, inviteID)]);
      if (accOk) await a1.waitFor(SIG.ACCEPTED, inviteID);
      else await b1.waitFor(SIG.CANCELLED, inviteID);
      // A committed loser or a second winner would reach each device before this.
      await devices.barrier(node(accOk ? 1 : 0), a1, a2, b1, b2);
      for (const d of [a1, a2, b1, b2]) {
        expect(count(d, other, inviteID), `${d.label} heard the losing ${other} in round ${i}`).toBe(0);
        expect(count(d, winner, inviteID), `${d.label} heard ${winner} twice in round ${i}`).toBeLessThanOrEqual(1);
      }
      const actions = await historyActions(cluster, alice, bob, inviteID);
      expect(actions).toEqual([ActionType.INVITE, accOk ? ActionType.ACCEPT : ActionType.CANCEL]);
    }
    expect(accepts + cancels).toBe(rounds);
  });

  it('two devices of the invitee accepting at once on different nodes: one wins, the other gets 8010', async () => {
    const [alice, bob] = [uid('alice'), uid('bob')];
    const a = await devices.login(alice, node(0));
    const b1 = await devices.login(bob, node(1), 'bob@1');
    const b2 = await devices.login(bob, node(2), 'bob@2');
    for (let i = 0; i < 6; i++) {
      const { inviteID } = await a.chat.invite({ userID: bob, timeout: 30 });
      await Promise.all([b1.waitFor(SIG.NEW, inviteID), b2.waitFor(SIG.NEW, inviteID)]);
      const results = await Promise.allSettled([b1.chat.accept({ inviteID }), b2.chat.accept({ inviteID })]);
      const ok = results.filter((r) => r.status === 'fulfilled');
      expect(ok).toHaveLength(1);
      const bad = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(bad.reason.code).toBe(8010);
      await a.waitFor(SIG.ACCEPTED, inviteID);
      await devices.barrier(node(1), a); // a second accept, committed, would come before it
      expect(count(a, SIG.ACCEPTED, inviteID)).toBe(1);
    }
  });

  it('fans a group invite out to members on every node, each session once, in commit order', async () => {
    const owner = uid('owner');
    const members = [uid('m'), uid('m'), uid('m'), uid('m')];
    const o = await devices.login(owner, node(0), 'owner@0');
    const ds = await Promise.all(members.map((m, i) => devices.login(m, node((i + 1) % 3), `${m}@${(i + 1) % 3}`)));
    const second = await devices.login(members[0]!, node(0), 'm0@0');
    // The members know the owner (a contact), so its adds take effect at once (group consent).
    await Promise.all(ds.map((d) => d.chat.addContact({ userID: owner })));
    const { data } = await o.chat.createGroup({ name: 'g', type: 'Public', memberList: members });
    const groupID = data.group.groupID as string;
    const invitees = members.slice(0, 3);
    const { inviteID } = await o.chat.inviteInGroup({ groupID, inviteeList: invitees, timeout: 30 });
    await Promise.all([...ds, second].map((d) => d.waitFor(SIG.NEW, inviteID)));

    await ds[0]!.chat.accept({ inviteID });
    await ds[1]!.chat.reject({ inviteID });
    await ds[2]!.chat.accept({ inviteID });
    // Everyone in the group hears each answer (the answering device has its promise).
    for (const d of [o, second, ds[3]!]) {
      await d.waitFor(SIG.REJECTED, inviteID);
      await until(() => count(d, SIG.ACCEPTED, inviteID) === 2, 20_000, `${d.label} hears two accepts`);
    }
    await devices.barrier(node(0), ...ds, second, o); // duplicates or extra events would come first
    expect(o.namesFor(inviteID)).toEqual([SIG.ACCEPTED, SIG.REJECTED, SIG.ACCEPTED]);
    expect(second.namesFor(inviteID)).toEqual([SIG.NEW, SIG.ACCEPTED, SIG.REJECTED, SIG.ACCEPTED]);
    expect(ds[3]!.namesFor(inviteID)).toEqual([SIG.NEW, SIG.ACCEPTED, SIG.REJECTED, SIG.ACCEPTED]);
    expect(ds[0]!.namesFor(inviteID)).toEqual([SIG.NEW, SIG.REJECTED, SIG.ACCEPTED]);
    for (const d of [...ds, second, o]) {
      for (const name of Object.values(SIG)) expect(count(d, name, inviteID), `${d.label} ${name}`).toBeLessThanOrEqual(name === SIG.ACCEPTED ? 2 : 1);
    }
  });

  it('onlineUserOnly sees sessions on other nodes as online, and times out the ones with none at once', async () => {
    const [alice, bob, carol] = [uid('alice'), uid('bob'), uid('carol')];
    const a = await devices.login(alice, node(0));
    const b = await devices.login(bob, node(2));
    await cluster.userSig(carol); // exists, never logged in
    const { inviteID } = await a.chat.invite({ userID: bob, onlineUserOnly: true, timeout: 30 });
    await b.waitFor(SIG.NEW, inviteID);
    await devices.barrier(node(0), a); // a timeout committed with the invite would come first
    expect(count(a, SIG.TIMEOUT, inviteID)).toBe(0);
    const off = await a.chat.invite({ userID: carol, onlineUserOnly: true, timeout: 30 });
    const t = await a.waitFor(SIG.TIMEOUT, off.inviteID);
    expect(t.data.inviteeList).toEqual([carol]);
  });

  it('fires a deadline once, on one node, heard once by every session wherever it is', async () => {
    const [alice, bob] = [uid('alice'), uid('bob')];
    const a = await devices.login(alice, node(0));
    const b1 = await devices.login(bob, node(1), 'bob@1');
    const b2 = await devices.login(bob, node(2), 'bob@2');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await a.chat.invite({ userID: bob, timeout: 1 })).inviteID);
    for (const id of ids) await Promise.all([a, b1, b2].map((d) => d.waitFor(SIG.TIMEOUT, id, 15_000)));
    // Later deadlines, one armed by each node, due more than two polls (400 ms) after the
    // five were heard: every node fires due deadlines oldest first, so a second firing of
    // one of the five would be committed before these fire, and reach everyone before the barrier.
    await lateDeadlines(alice, bob, [a, b1, b2], [0, 1, 2].map(node));
    await devices.barrier(node(0), a, b1, b2);
    for (const id of ids) {
      for (const d of [a, b1, b2]) expect(count(d, SIG.TIMEOUT, id), d.label).toBe(1);
      expect(await historyActions(cluster, alice, bob, id)).toEqual([ActionType.INVITE, ActionType.TIMEOUT]);
      const t = b2.about(SIG.TIMEOUT, id)[0]!;
      expect(t.data.isSelfTimeout).toBe(true);
    }
  });

  it('a node killed with SIGKILL mid-invite: its sessions fail over and resync, the deadline fires exactly once', async () => {
    const [alice, bob] = [uid('alice'), uid('bob')];
    // Each device goes through a fail-over proxy that prefers one node.
    const via = await Promise.all([0, 1, 2].map((i) => cluster.proxy('first-alive', i)));
    const a = await devices.login(alice, via[0]!.url, 'alice@0');
    const b1 = await devices.login(bob, via[0]!.url, 'bob@0');
    const b2 = await devices.login(bob, via[1]!.url, 'bob@1');
    const watcher = await devices.login(alice, via[2]!.url, 'alice@2');
    expect(via[0]!.connectionsTo(cluster.nodes[0]!.port)).toBe(2);

    // Node 0 accepted the invite and armed its timer; then it dies.
    const { inviteID } = await a.chat.invite({ userID: bob, timeout: 4 });
    const second = await a.chat.invite({ userID: bob, timeout: 30 });
    await Promise.all([b1.waitFor(SIG.NEW, inviteID), b2.waitFor(SIG.NEW, inviteID), b1.waitFor(SIG.NEW, second.inviteID)]);
    await cluster.kill(0, 'SIGKILL');

    // Its sessions reconnect through the proxy to node 1 and resume.
    await until(() => via[0]!.connectionsTo(cluster.nodes[1]!.port) === 2, 15_000, 'alice@0 and bob@0 on node 1');
    // A transition made after the fail-over reaches everyone, including the moved sessions.
    await b2.chat.reject({ inviteID: second.inviteID });
    await Promise.all([a.waitFor(SIG.REJECTED, second.inviteID), b1.waitFor(SIG.REJECTED, second.inviteID), watcher.waitFor(SIG.REJECTED, second.inviteID)]);

    // The dead node's deadline is fired by a survivor, once.
    await Promise.all([a, b1, b2, watcher].map((d) => d.waitFor(SIG.TIMEOUT, inviteID, 20_000)));
    // Later deadlines armed by both survivors; a second firing, or a replayed ring, committed
    // or delivered before them reaches every device before the barrier.
    await lateDeadlines(alice, bob, [a, b1, b2, watcher], [1, 2].map(node));
    await devices.barrier(node(1), a, b1, b2, watcher);
    for (const d of [a, b1, b2, watcher]) {
      expect(count(d, SIG.TIMEOUT, inviteID), d.label).toBe(1);
      expect(count(d, SIG.NEW, inviteID), `${d.label} heard the ring again after resync`).toBeLessThanOrEqual(1);
      expect(count(d, SIG.REJECTED, second.inviteID), d.label).toBeLessThanOrEqual(1);
    }
    expect(await historyActions(cluster, alice, bob, inviteID)).toEqual([ActionType.INVITE, ActionType.TIMEOUT]);

    await cluster.startNode(0);
  });

  it('forgets the sessions of a crashed node once its heartbeat expires (onlineUserOnly)', async () => {
    const [alice, bob] = [uid('alice'), uid('bob')];
    const a = await devices.login(alice, node(0), 'alice@0');
    const b = await devices.login(bob, node(2), 'bob@2 (direct)');
    const first = await a.chat.invite({ userID: bob, onlineUserOnly: true, timeout: 30 });
    await b.waitFor(SIG.NEW, first.inviteID);
    await cluster.kill(2, 'SIGKILL');
    await b.chat.destroy(); // connected directly to the dead node: bob is gone
    // Within the heartbeat TTL bob may still look online; after it, he must not. A probe a
    // second: any probe's TIMEOUT heard before that probe's own 30 s deadline counts (on a
    // loaded machine the one that timed out at once may be heard after the next is sent).
    const probes: { inviteID: string; sentAt: number }[] = [];
    const timedOutAtOnce = () =>
      probes.some((p) => a.about(SIG.TIMEOUT, p.inviteID).some((h) => h.at - p.sentAt < 25_000));
    for (let i = 0; i < 15 && !timedOutAtOnce(); i++) {
      const sentAt = Date.now();
      probes.push({ inviteID: (await a.chat.invite({ userID: bob, onlineUserOnly: true, timeout: 30 })).inviteID, sentAt });
      await until(timedOutAtOnce, 1000).catch(() => undefined);
    }
    expect(timedOutAtOnce(), 'bob still looked online 15 probes (15 s) after his node died').toBe(true);
    await cluster.startNode(2);
  });

  it('Redis restarted mid-run: service recovers and nothing committed is lost', async () => {
    const [alice, bob] = [uid('alice'), uid('bob')];
    const a = await devices.login(alice, node(0), 'alice@0');
    const b = await devices.login(bob, node(1), 'bob@1');
    const { inviteID } = await a.chat.invite({ userID: bob, timeout: 60 });
    await b.waitFor(SIG.NEW, inviteID);
    try {
      await stopRedis();
      expect(await redisPing()).toBe(false);
      // Committed while Redis is down: the promise resolves, alice's node cannot hear it yet.
      await b.chat.accept({ inviteID, data: 'during outage' });
      const other = await a.chat.invite({ userID: bob, timeout: 60 });
      expect(other.inviteID).toBeTruthy();
    } finally {
      await startRedis();
    }
    // After Redis is back every node resyncs its sessions from the store: alice hears the accept once.
    const heard = await a.waitFor(SIG.ACCEPTED, inviteID, 20_000);
    expect(heard.data.data).toBe('during outage');
    // Bob hears the invite that alice made during the outage (replayed or live), once.
    const pending = (await b.chat.getPendingInvitations()).data.invitationList as { inviteID: string }[];
    expect(pending).toHaveLength(1);
    await until(() => b.heard.filter((h) => h.name === SIG.NEW && h.data.inviteID === pending[0]!.inviteID).length === 1, 20_000, 'bob hears the outage invite');
    // Cross-node fan-out works again.
    const after = await a.chat.invite({ userID: bob, timeout: 60 });
    await b.waitFor(SIG.NEW, after.inviteID, 15_000);
    await b.chat.reject({ inviteID: after.inviteID });
    await a.waitFor(SIG.REJECTED, after.inviteID, 15_000);
    await devices.barrier(node(1), a, b); // a second accept or ring would come first
    expect(count(a, SIG.ACCEPTED, inviteID)).toBe(1);
    expect(count(b, SIG.NEW, after.inviteID)).toBe(1);
    expect(await historyActions(cluster, alice, bob, inviteID)).toEqual([ActionType.INVITE, ActionType.ACCEPT]);
  });
});
