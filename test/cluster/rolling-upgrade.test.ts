/**
 * A rolling upgrade (docs/ADMIN.md "Upgrades"): a node of the previous release (v0.1.0,
 * taken from git by commit hash: a CI clone may have no tags) serves beside a node of this
 * tree on one PostgreSQL database and one Redis. The new node migrates the schema while
 * the old one serves; calls between their users keep working both ways; when the old node
 * stops, its sessions move to the new node through the load balancer and go on ringing,
 * and a deadline the old node armed fires once, on the new node.
 *
 * The old tree runs with this tree's node_modules (a symlink; its package.json must ask
 * for nothing this tree does not have): no install from the network in a test.
 */
import { execFileSync, execSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActionType, parseSignalingPayload } from '../../src/sdk/index.ts';
import { c2cKey } from '../../src/server/model/conversation-keys.ts';
import { MIGRATIONS } from '../../src/server/store/migrations.ts';
import { IN_CI, REDIS_URL, skipUnless, testStorage, type TestStorage } from '../support/backends.ts';
import { Cluster } from '../support/cluster.ts';
import type { TcpProxy } from '../support/tcp-proxy.ts';
import { Devices, SIG, uid, until } from './helpers.ts';

/** v0.1.0: the previous release. */
const PREVIOUS = 'cb8a43a7cc6c43a267d5592a2e7c3968cde8eacd';
const ROOT = resolve(import.meta.dirname, '../..');

/** Why the previous release cannot be had from this clone, or null when it can. */
function previousMissing(): string | null {
  try {
    if (execFileSync('git', ['rev-parse', '--is-shallow-repository'], { cwd: ROOT, encoding: 'utf8' }).trim() === 'true') {
      return `the clone is shallow: commit ${PREVIOUS} (v0.1.0) is not in it (fetch with --unshallow, or fetch-depth: 0 in CI)`;
    }
    execFileSync('git', ['cat-file', '-e', `${PREVIOUS}^{commit}`], { cwd: ROOT, stdio: 'ignore' });
    return null;
  } catch {
    return `commit ${PREVIOUS} (v0.1.0) is not in this clone (or git is missing)`;
  }
}

/**
 * Whether the previous release can run on this tree's node_modules: every dependency it
 * names is asked for here with the same range (else: which differ).
 */
function incompatibleDependencies(oldTree: string): string[] {
  const deps = (file: string) => {
    const p = JSON.parse(readFileSync(file, 'utf8')) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
    return { ...p.dependencies, ...p.devDependencies };
  };
  const ours = deps(join(ROOT, 'package.json'));
  return Object.entries(deps(join(oldTree, 'package.json'))).filter(([name, range]) => ours[name] !== range).map(([name, range]) => `${name}@${range} (here ${ours[name] ?? 'absent'})`);
}

const missing = previousMissing();
if (missing) console.warn(`\n[ringlet tests] SKIPPING the rolling upgrade: ${missing}\n`);
const skip = missing !== null || (await skipUnless('postgres', 'redis'));

async function historyActions(cluster: Cluster, a: string, b: string, inviteID: string): Promise<number[]> {
  const messages = await cluster.store.read((tx) => tx.listMessages(c2cKey(a, b), null, 200));
  return messages.map((m) => parseSignalingPayload(m.payload.data)).filter((p) => p?.inviteID === inviteID).map((p) => p!.actionType);
}

describe.skipIf(skip)('rolling upgrade: a v0.1.0 node beside a node of this tree (PostgreSQL + Redis)', () => {
  let oldTree: string;
  let db: TestStorage;
  let cluster: Cluster;
  let devices: Devices;
  let balancer: TcpProxy;

  beforeAll(async () => {
    oldTree = mkdtempSync(join(tmpdir(), 'ringlet-v0.1.0-'));
    execSync(`git archive ${PREVIOUS} | tar -x -C "${oldTree}"`, { cwd: ROOT });
    // It is the release before this tree's migration 7 (the schema the new node adds under it).
    expect(readFileSync(join(oldTree, 'src/server/store/migrations.ts'), 'utf8')).not.toMatch(/version: 7,/);
    const differ = incompatibleDependencies(oldTree);
    if (differ.length > 0) {
      const why = `v0.1.0 asks for dependencies this tree's node_modules may not satisfy: ${differ.join(', ')}; compare them and widen this check where compatible`;
      if (IN_CI) throw new Error(why);
      console.warn(`[ringlet tests] ${why}`);
    }
    symlinkSync(join(ROOT, 'node_modules'), join(oldTree, 'node_modules'), 'dir');
    db = await testStorage('rolling', 'postgres');
    // Node 0 (v0.1.0) starts first, alone, on an empty database: it makes the old schema.
    // Node 1 (this tree) then migrates it while node 0 serves.
    cluster = await Cluster.start({ nodes: 2, storage: db.storage, redis: REDIS_URL, deadlinePollMs: 300, trees: { 0: oldTree } });
    devices = new Devices(cluster);
    // The load balancer: the old node while it lives, then the new one.
    balancer = await cluster.proxy('first-alive', 0);
  }, 90_000);

  afterAll(async () => {
    await devices?.destroyAll();
    await cluster?.close();
    await db?.cleanup();
    if (oldTree) rmSync(oldTree, { recursive: true, force: true });
  });

  it('the new node migrates the schema under the old one, calls cross both ways, and the old node\'s sessions move over when it stops', async () => {
    // This tree's migrations are all applied, and the old node serves on them.
    const client = new pg.Client({ connectionString: db.storage });
    await client.connect();
    const { rows } = await client.query<{ v: number }>('SELECT MAX(version) AS v FROM schema_migrations');
    await client.end();
    expect(Number(rows[0]!.v)).toBe(MIGRATIONS.at(-1)!.version);
    const [alice, bob] = [uid('alice'), uid('bob')];
    const a = await devices.login(alice, balancer.url, 'alice (old node, then new)');
    const b = await devices.login(bob, cluster.nodes[1]!.url, 'bob (new node)');
    expect(balancer.connectionsTo(cluster.nodes[0]!.port)).toBe(1);

    // Old node to new node and back, on the migrated schema.
    const one = await a.chat.invite({ userID: bob, timeout: 30 });
    await b.waitFor(SIG.NEW, one.inviteID);
    await b.chat.accept({ inviteID: one.inviteID });
    await a.waitFor(SIG.ACCEPTED, one.inviteID);
    const two = await b.chat.invite({ userID: alice, timeout: 30 });
    await a.waitFor(SIG.NEW, two.inviteID);
    await a.chat.reject({ inviteID: two.inviteID });
    await b.waitFor(SIG.REJECTED, two.inviteID);

    // A deadline armed by the old node, still ahead when it stops.
    const armed = await a.chat.invite({ userID: bob, timeout: 4 });
    await b.waitFor(SIG.NEW, armed.inviteID);

    // The switch: the old node stops (as systemd would stop it); alice reconnects through
    // the balancer to the new node and resumes.
    await cluster.kill(0, 'SIGTERM');
    await until(() => balancer.connectionsTo(cluster.nodes[1]!.port) === 1, 20_000, 'alice reconnected to the new node');
    const three = await b.chat.invite({ userID: alice, timeout: 30 });
    await a.waitFor(SIG.NEW, three.inviteID);
    await a.chat.accept({ inviteID: three.inviteID });
    await b.waitFor(SIG.ACCEPTED, three.inviteID);

    // The old node's deadline fires on the new node, once.
    await Promise.all([a.waitFor(SIG.TIMEOUT, armed.inviteID, 20_000), b.waitFor(SIG.TIMEOUT, armed.inviteID, 20_000)]);
    await devices.barrier(cluster.nodes[1]!.url, a, b);
    for (const d of [a, b]) {
      expect(d.about(SIG.TIMEOUT, armed.inviteID), d.label).toHaveLength(1);
      expect(d.about(SIG.NEW, three.inviteID).length, d.label).toBeLessThanOrEqual(1);
    }
    expect(await historyActions(cluster, alice, bob, one.inviteID)).toEqual([ActionType.INVITE, ActionType.ACCEPT]);
    expect(await historyActions(cluster, alice, bob, two.inviteID)).toEqual([ActionType.INVITE, ActionType.REJECT]);
    expect(await historyActions(cluster, alice, bob, armed.inviteID)).toEqual([ActionType.INVITE, ActionType.TIMEOUT]);
    expect(await historyActions(cluster, alice, bob, three.inviteID)).toEqual([ActionType.INVITE, ActionType.ACCEPT]);

    // The upgrade ends with the old node started again from the new tree.
    cluster.nodeOptions.trees = {};
    await cluster.startNode(0);
    const c = await devices.login(uid('carol'), cluster.nodes[0]!.url, 'carol (node 0, upgraded)');
    const four = await c.chat.invite({ userID: bob, timeout: 30 });
    await b.waitFor(SIG.NEW, four.inviteID);
  });
});
