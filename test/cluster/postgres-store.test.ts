/**
 * The PostgreSQL store under concurrency from several "nodes" (several servers in this
 * process, each with its own pool, one database, the Redis bus): migrations applied once
 * by nodes starting together, transitions that cross in both directions between the same
 * users (deadlock-prone row orders, retried), consecutive per-user seqs, unique inviteIDs,
 * history in commit order, and deadlines fired exactly once by competing nodes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createChat, EVENT, TSignaling, type Chat } from '../../src/sdk/index.ts';
import { startServer, type RingletServer } from '../../src/server/index.ts';
import { c2cKey } from '../../src/server/model/conversation-keys.ts';
import { openStore, type Store } from '../../src/server/store/index.ts';
import { parseSignalingPayload, ActionType } from '../../src/sdk/index.ts';
import { REDIS_URL, skipUnless, testStorage, type TestStorage } from '../support/backends.ts';
import { barrier } from '../support/barrier.ts';
import { sleep, until } from './helpers.ts';

const skip = await skipUnless('postgres', 'redis');
const SECRET = 'x'.repeat(40);

describe.skipIf(skip)('PostgreSQL store shared by several nodes', () => {
  let db: TestStorage;
  let servers: RingletServer[] = [];
  let store: Store;
  const chats: Chat[] = [];

  beforeAll(async () => {
    db = await testStorage('pgstore', 'postgres');
    // Three nodes starting at once on an empty database.
    servers = await Promise.all([0, 1, 2].map(() => startServer({ port: 0, storage: db.storage, redis: REDIS_URL, secret: SECRET, deadlinePollMs: 200 })));
    store = await openStore(db.storage);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(chats.map((c) => c.destroy().catch(() => undefined)));
    await Promise.all(servers.map((s) => s.close()));
    await store?.close();
    await db?.cleanup();
  });

  async function login(server: RingletServer, userID: string): Promise<Chat> {
    const chat = createChat({ server: server.url });
    chats.push(chat);
    await chat.login({ userID, userSig: await server.userSig(userID) });
    return chat;
  }

  it('applies each migration once when nodes start together', async () => {
    const c = new pg.Client({ connectionString: db.storage });
    await c.connect();
    try {
      const { rows } = await c.query<{ version: number; n: number }>('SELECT version, count(*)::int AS n FROM schema_migrations GROUP BY version ORDER BY version');
      expect(rows.length).toBeGreaterThan(0);
      for (const r of rows) expect(r.n).toBe(1);
      expect(rows[0]!.version).toBe(1);
    } finally {
      await c.end();
    }
  });

  it('crossing invites and answers in both directions from three nodes all commit, with consecutive seqs and ordered history', async () => {
    const users = ['px_ann', 'px_ben', 'px_cid'];
    const chatsBy = new Map<string, Chat[]>();
    for (const [i, u] of users.entries()) chatsBy.set(u, [await login(servers[i]!, u), await login(servers[(i + 1) % 3]!, u)]);
    const ids: string[] = [];
    const errors: unknown[] = [];
    // Every user invites every other user from both devices at once, then the invitee rejects.
    await Promise.all(
      users.flatMap((from) =>
        users.filter((to) => to !== from).flatMap((to) =>
          chatsBy.get(from)!.map(async (chat, k) => {
            for (let round = 0; round < 4; round++) {
              try {
                const { inviteID } = await chat.invite({ userID: to, timeout: 60, data: `${from}->${to}#${k}.${round}` });
                ids.push(inviteID);
                await chatsBy.get(to)![round % 2]!.reject({ inviteID });
              } catch (err) {
                errors.push(err);
              }
            }
          }),
        ),
      ),
    );
    expect(errors).toEqual([]);
    expect(ids).toHaveLength(users.length * 2 * 2 * 4);
    expect(new Set(ids).size).toBe(ids.length);

    await store.read(async (tx) => {
      for (const u of users) {
        const events = await tx.eventsAfter(u, 0, 10_000);
        const seqs = events.map((e) => e.seq);
        expect(seqs, `seqs of ${u}`).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
        expect(await tx.currentSeq(u)).toBe(seqs.length);
      }
      // Each invitation's history: invite, then reject, in that order.
      const pairs: [string, string][] = [[users[0]!, users[1]!], [users[1]!, users[2]!], [users[0]!, users[2]!]];
      for (const [a, b] of pairs) {
        const byInvite = new Map<string, number[]>();
        for (const m of await tx.listMessages(c2cKey(a, b), null, 1000)) {
          const p = parseSignalingPayload(m.payload.data)!;
          byInvite.set(p.inviteID, [...(byInvite.get(p.inviteID) ?? []), p.actionType]);
        }
        expect(byInvite.size).toBe(16);
        for (const actions of byInvite.values()) expect(actions).toEqual([ActionType.INVITE, ActionType.REJECT]);
      }
    });
  });

  it('enforces the per-user device limit across nodes: the oldest session is kicked wherever it is', async () => {
    const limited = await Promise.all([0, 1].map(() => startServer({ port: 0, storage: db.storage, redis: REDIS_URL, secret: SECRET, maxSessionsPerUser: 2 })));
    try {
      const kicked: string[] = [];
      const mk = async (server: RingletServer, label: string) => {
        const chat = await login(server, 'px_limit');
        chat.on(EVENT.KICKED_OUT, () => kicked.push(label));
        return chat;
      };
      // Pacing only (nothing is asserted after it): distinct login times, so "oldest" is one session.
      await mk(limited[0]!, 'first@0');
      await sleep(20);
      const second = await mk(limited[1]!, 'second@1');
      await sleep(20);
      const third = await mk(limited[1]!, 'third@1');
      await until(() => kicked.length > 0, 20_000, 'a kick');
      // Both newer sessions still get a message sent after the kicks: a kicked one never would
      // (its kick notice comes first and it does not reconnect).
      const sender = await login(limited[0]!, 'px_limit_barrier');
      await barrier(sender, 'px_limit', [{ chat: second, label: 'second@1' }, { chat: third, label: 'third@1' }], { stored: true });
      expect(kicked).toEqual(['first@0']);
    } finally {
      await Promise.all(limited.map((s) => s.close()));
    }
  });

  it('fires each of many deadlines exactly once while three nodes compete for them', async () => {
    // Four inviters of ten: the per-pair cap on pending invitations is 10 (SECURITY.md).
    const inviters = await Promise.all([0, 1, 2, 3].map((i) => login(servers[0]!, `px_timer_a${i}`)));
    const invitee = await login(servers[1]!, 'px_timer_b');
    // The invitee knows them (contacts): forty from strangers would pass the strangers' pool of 20.
    for (let i = 0; i < 4; i++) await invitee.addContact({ userID: `px_timer_a${i}` });
    const timeouts = new Map<string, number>();
    invitee.addSignalingListener(TSignaling.INVITATION_TIMEOUT, (e: { data: unknown }) => {
      const id = (e.data as { inviteID: string }).inviteID;
      timeouts.set(id, (timeouts.get(id) ?? 0) + 1);
    });
    const ids = await Promise.all(Array.from({ length: 40 }, async (_, i) => (await inviters[i % 4]!.invite({ userID: 'px_timer_b', timeout: 1 })).inviteID));
    // Node 0 armed the timers; stop it so that nodes 1 and 2 race for every deadline by polling.
    await servers[0]!.close();
    await until(() => ids.every((id) => timeouts.has(id)), 20_000, 'every timeout heard');
    // Later deadlines armed by each survivor, due five polls (200 ms) after the forty were
    // heard: nodes fire due deadlines oldest first, so a second firing of one of the forty is
    // committed before these fire; the barrier then proves it would have reached the invitee.
    const late = await Promise.all([1, 2].map(async (i) => (await (await login(servers[i]!, 'px_timer_a')).invite({ userID: 'px_timer_b', timeout: 1 })).inviteID));
    await until(() => late.every((id) => timeouts.has(id)), 20_000, 'the later timeouts heard');
    await barrier(await login(servers[1]!, 'px_timer_barrier'), 'px_timer_b', [{ chat: invitee, label: 'invitee' }], { stored: true });
    for (const id of ids) expect(timeouts.get(id), id).toBe(1);
    const history = (await Promise.all([0, 1, 2, 3].map((i) => store.read((tx) => tx.listMessages(c2cKey(`px_timer_a${i}`, 'px_timer_b'), null, 1000))))).flat();
    const timeoutMsgs = history.map((m) => parseSignalingPayload(m.payload.data)!).filter((p) => p.actionType === ActionType.TIMEOUT && ids.includes(p.inviteID));
    expect(timeoutMsgs).toHaveLength(ids.length);
    expect(new Set(timeoutMsgs.map((p) => p.inviteID)).size).toBe(ids.length);
  });
});
