/**
 * The PostgreSQL driver's pipelined transactions and the PostgreSQL store's folded
 * statements, on a real PostgreSQL (integration-postgres project only): a write sent
 * without waiting that fails fails its transaction (nothing committed), a deadlock there or
 * in a statement after which the body read on is retried, and the folded event append and pending load answer exactly what the
 * shared statements answer on the same database.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PostgresDriver } from '../../src/server/store/postgres/driver.ts';
import { PostgresStore } from '../../src/server/store/postgres/store.ts';
import { EVENT_ROW_BYTES, REF_ROW_BYTES, SqlStore } from '../../src/server/store/sql-store.ts';
import type { Invitation } from '../../src/server/signaling/machine.ts';
import { testBackend, testStorage, type TestStorage } from '../support/backends.ts';
import { seqsOf } from '../support/event-seqs.ts';
import { Outbox } from '../../src/server/outbox.ts';

let db: TestStorage;
let driver: PostgresDriver;

if (testBackend() !== 'postgres') console.log('postgres-pipeline: skipped on SQLite (it tests the PostgreSQL driver; runs in integration-postgres)');

describe.skipIf(testBackend() !== 'postgres')('PostgreSQL pipelined transactions', () => {
  beforeEach(async () => {
    db = await testStorage('pipeline', 'postgres');
    const { PostgresDriver } = await import('../../src/server/store/postgres/driver.ts');
    driver = await PostgresDriver.connect(db.storage, { max: 2 });
    await driver.exec('CREATE TABLE t (x INTEGER PRIMARY KEY)');
  });
  afterEach(async () => {
    await driver.close();
    await db.cleanup();
  });

  const rows = () => driver.transaction('read', async (c) => (await c.all<{ x: number }>('SELECT x FROM t ORDER BY x')).map((r) => r.x));

  it('fails the transaction of a write sent without waiting, at COMMIT when nothing follows it', async () => {
    await driver.transaction('write', async (c) => c.run('INSERT INTO t (x) VALUES (?)', [1]));
    // The duplicate is the last statement: its error comes back with COMMIT.
    await expect(driver.transaction('write', async (c) => {
      expect(await c.run('INSERT INTO t (x) VALUES (?), (?)', [2, 3])).toBe(2);
      return c.run('INSERT INTO t (x) VALUES (?)', [1]);
    })).rejects.toMatchObject({ code: '23505' });
    // Followed by a statement that is waited for: that one reports the duplicate, not 25P02.
    await expect(driver.transaction('write', async (c) => {
      await c.run('INSERT INTO t (x) VALUES (?)', [1]);
      return c.get('SELECT COUNT(*) AS n FROM t');
    })).rejects.toMatchObject({ code: '23505' });
    expect(await rows()).toEqual([1]);
  });

  it('rolls back writes sent without waiting when the body throws', async () => {
    await expect(driver.transaction('write', async (c) => {
      await c.run('INSERT INTO t (x) VALUES (?)', [5]);
      throw new Error('changed my mind');
    })).rejects.toThrow('changed my mind');
    expect(await rows()).toEqual([]);
  });

  it('runs a transaction again when a write sent without waiting hits a deadlock', async () => {
    // The first insert into t raises 40P01 (a sequence is not rolled back with the transaction).
    await driver.exec(`
      CREATE SEQUENCE once;
      CREATE FUNCTION deadlock_once() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF nextval('once') = 1 THEN RAISE EXCEPTION 'simulated deadlock' USING ERRCODE = '40P01'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER t_deadlock BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION deadlock_once()`);
    const before = driver.retries;
    let runs = 0;
    await driver.transaction('write', async (c) => {
      runs++;
      await c.run('INSERT INTO t (x) VALUES (?)', [7]);
    });
    expect(runs).toBe(2);
    expect(driver.retries).toBe(before + 1);
    expect(await rows()).toEqual([7]);
    // A statement that is waited for hits it, the body catches that and reads on (as the
    // dispatcher does to look for a recorded reply): the read's 25P02 is not what is
    // reported, the deadlock is, and the transaction runs again.
    await driver.exec("SELECT setval('once', 1, false)");
    runs = 0;
    await driver.transaction('write', async (c) => {
      runs++;
      try {
        await c.get('INSERT INTO t (x) VALUES (?) RETURNING x', [8]);
      } catch {
        await c.get('SELECT COUNT(*) AS n FROM t');
      }
    });
    expect(runs).toBe(2);
    expect(driver.retries).toBe(before + 2);
    expect(await rows()).toEqual([7, 8]);
  });
});

describe.skipIf(testBackend() !== 'postgres')('PostgreSQL store: folded statements answer as the shared ones', () => {
  let pgStore: PostgresStore;
  let shared: SqlStore;
  beforeEach(async () => {
    db = await testStorage('pgfold', 'postgres');
    const { PostgresDriver } = await import('../../src/server/store/postgres/driver.ts');
    driver = await PostgresDriver.connect(db.storage, { max: 2 });
    pgStore = await PostgresStore.open(driver);
    shared = await SqlStore.open(driver);
  });
  afterEach(async () => {
    await driver.close();
    await db.cleanup();
  });

  it('appends events: the same seqs, stored rows and stored bytes', async () => {
    const a = Array.from({ length: 120 }, (_, i) => `a${String(i).padStart(3, '0')}`);
    const b = a.map((u) => u.replace('a', 'b'));
    await shared.write(async (tx) => { for (const u of [...a, ...b]) await tx.ensureUser(u, 1); });
    const frame = JSON.stringify({ message: { payload: 'x'.repeat(3000) } });
    // Two views, one user twice as old, and a user who does not exist (no seq, no row).
    const batch = (users: string[]) => [
      ...users.map((userID, i) => ({ userID, inviteID: 'inv', deadline: i === 0 ? null : 99, frame: i % 2 ? frame : '{"own":1}' })),
      { userID: 'nobody', inviteID: 'inv', deadline: 99, frame: '{"lost":1}' },
    ];
    const events = async () => (await driver.transaction('read', async (c) => c.get<{ n: number }>('SELECT COUNT(*) AS n FROM events')))!.n;
    const refs = async () => (await driver.transaction('read', async (c) => c.get<{ n: number }>('SELECT COUNT(*) AS n FROM user_event_refs')))!.n;
    for (let round = 0; round < 2; round++) {
      const e0 = await events();
      const r0 = await refs();
      const sharedRun = await shared.write(async (tx) => ({ seqs: await seqsOf(await tx.appendEvents(batch(a), 10)), bytes: tx.storedBytes() }));
      const e1 = await events();
      const r1 = await refs();
      const pgRun = await pgStore.write(async (tx) => ({ append: await tx.appendEvents(batch(b), 10), bytes: tx.storedBytes() }));
      // The seqs come with the commit (EventSeqs).
      const pgSeqs = await seqsOf(pgRun.append);
      expect(Number(await events()) - Number(e1)).toBe(Number(e1) - Number(e0));
      expect(Number(await refs()) - Number(r1)).toBe(Number(r1) - Number(r0));
      // Charged for every recipient, the unknown one included (whose event the shared store skips).
      expect(pgRun.bytes).toBe(sharedRun.bytes + Buffer.byteLength('{"lost":1}') + EVENT_ROW_BYTES + REF_ROW_BYTES);
      expect(pgSeqs.has('nobody')).toBe(false);
      expect([...pgSeqs].map(([u, s]) => [u.replace('b', 'a'), s])).toEqual([...sharedRun.seqs].sort());
      expect(new Set(pgSeqs.values())).toEqual(new Set([round + 1]));
    }
    const replayA = await shared.read((tx) => tx.eventsAfter('a001', 0, 10));
    const replayB = await pgStore.read((tx) => tx.eventsAfter('b001', 0, 10));
    expect(replayB).toEqual(replayA);
    expect(replayB.map((e) => [e.seq, e.deadline, e.frame])).toEqual([[1, 99, frame], [2, 99, frame]]);
  });

  it('records a request id once: a retry, sequential or concurrent, is told so and commits nothing', async () => {
    await shared.write(async (tx) => tx.ensureUser('al', 1));
    // As the dispatcher does: a retry's work is rolled back by throwing.
    class Retry extends Error {}
    const attempt = (id: string, label: string) => pgStore.write(async (tx) => {
      const seqs = await tx.appendEvents([{ userID: 'al', inviteID: null, deadline: null, frame: `{"n":"${label}"}` }], 1);
      if (!(await tx.putRequestResult('al', id, `"${label}"`, 1))) throw new Retry();
      return { fresh: true, seq: (await seqsOf(seqs)).get('al') };
    }).catch((err: unknown) => {
      if (err instanceof Retry) return { fresh: false, seq: undefined };
      throw err;
    });
    expect(await attempt('r1', 'first')).toEqual({ fresh: true, seq: 1 });
    // The optimistic record fails at COMMIT, the body runs again checked and learns it.
    expect((await attempt('r1', 'again')).fresh).toBe(false);
    const both = await Promise.all([attempt('r2', 'x'), attempt('r2', 'y')]);
    expect(both.map((b) => b.fresh).sort()).toEqual([false, true]);
    // Only the fresh attempts' writes are committed: seqs 1 and 2, one recorded reply each.
    expect(await pgStore.read((tx) => tx.currentSeq('al'))).toBe(2);
    expect(await pgStore.read((tx) => tx.getRequestResult('al', 'r1', Date.now()))).toBe('"first"');
    const events = await pgStore.read((tx) => tx.eventsAfter('al', 0, 10));
    expect(events.map((e) => e.frame)).toEqual(['{"n":"first"}', `{"n":"${both.find((b) => b.fresh) === both[0] ? 'x' : 'y'}"}`]);
  });

  it('publishes what an append sent with the commit gave: seqs in the frames, nobody for an unknown user', async () => {
    await shared.write(async (tx) => { await tx.ensureUser('al', 1); await tx.ensureUser('bo', 1); });
    const write = () => pgStore.write(async (tx) => {
      const outbox = new Outbox(tx, 5);
      await outbox.push(['al', 'bo', 'nobody'], (u) => ({ signal: { name: 'x', data: u } as never }), { stored: true });
      // Before the commit the seqs are not known: the deliveries wait for settle().
      expect(outbox.deliveries.map((d) => d.seq)).toEqual([null, null, null]);
      return outbox;
    });
    for (const round of [1, 2]) {
      const outbox = await write();
      await outbox.settle();
      expect(outbox.deliveries.map((d) => [d.userID, d.seq])).toEqual([['al', round], ['bo', round]]);
      expect(JSON.parse(outbox.deliveries[1]!.frame)).toMatchObject({ seq: round });
    }
  });

  it('a transaction that fails before its append leaves no unsettled outbox behind (no unhandled rejection)', async () => {
    await shared.write(async (tx) => tx.ensureUser('al', 1));
    const inv: Invitation = { inviteID: 'twice', inviter: 'al', groupID: '', inviteeList: ['al'], data: '', timeout: 30, onlineUserOnly: false, createdAt: 0, deadline: null, parts: { al: 'pending' } as Invitation['parts'], endReason: null };
    await shared.write((tx) => tx.insertInvitation(inv));
    const rejected: unknown[] = [];
    const onRejection = (reason: unknown) => rejected.push(reason);
    process.on('unhandledRejection', onRejection);
    try {
      // The duplicate insert goes out without waiting and fails; the append behind it fails with 25P02.
      await expect(pgStore.write(async (tx) => {
        await tx.insertInvitation(inv);
        await new Outbox(tx, 5).push(['al'], () => ({ signal: { name: 'x', data: 1 } as never }), { stored: true });
      })).rejects.toMatchObject({ code: '23505' });
      await new Promise((r) => setTimeout(r, 50));
      expect(rejected).toEqual([]);
    } finally {
      process.off('unhandledRejection', onRejection);
    }
  });

  it('draws message ids in transaction order, a second message of one transaction included', async () => {
    const m = (data: string) => ({ convKey: 'c2c:al:bo', from: 'al', to: 'bo', time: 1, payload: { data } as never });
    const ids = await pgStore.write(async (tx) => [await tx.insertMessage(m('1')), await tx.insertMessage(m('2'))]);
    const [third] = await pgStore.write(async (tx) => [await tx.insertMessage(m('3'))]);
    expect(ids[1]).toBeGreaterThan(ids[0]!);
    expect(third).toBeGreaterThan(ids[1]!);
    const listed = await pgStore.read((tx) => tx.listMessages('c2c:al:bo', null, 10));
    expect(listed.map((x) => [x.id, x.payload])).toEqual([[ids[0], { data: '1' }], [ids[1], { data: '2' }], [third, { data: '3' }]]);
  });

  it('draws a message id after the transaction\'s first read: behind the lock it waited for', async () => {
    const inv: Invitation = { inviteID: 'locked', inviter: 'al', groupID: '', inviteeList: ['bo'], data: '', timeout: 30, onlineUserOnly: false, createdAt: 0, deadline: null, parts: { bo: 'pending' } as Invitation['parts'], endReason: null };
    await shared.write((tx) => tx.insertInvitation(inv));
    const m = (data: string) => ({ convKey: 'c2c:al:bo', from: 'al', to: 'bo', time: 1, payload: { data } as never });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let holding!: () => void;
    const held = new Promise<void>((r) => (holding = r));
    const a = pgStore.write(async (tx) => { await tx.getInvitation('locked', true); holding(); await gate; });
    await held;
    // b waits for the invitation's lock; c stores a message meanwhile.
    const b = pgStore.write(async (tx) => { await tx.getInvitation('locked', true); return tx.insertMessage(m('b')); });
    // a and b hold this pool's two connections: the rest runs on a second pool.
    const { PostgresDriver } = await import('../../src/server/store/postgres/driver.ts');
    const other = await PostgresDriver.connect(db.storage, { max: 2 });
    try {
      const otherStore = await PostgresStore.open(other);
      const waiting = async () => Number((await other.transaction('read', (c) => c.get<{ n: number }>("SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")))!.n);
      for (let i = 0; i < 500 && (await waiting()) === 0; i++) await new Promise((r) => setImmediate(r));
      expect(await waiting()).toBe(1);
      const c = await otherStore.write((tx) => tx.insertMessage(m('c')));
      release();
      await a;
      expect(await b).toBeGreaterThan(c);
    } finally {
      release();
      await other.close();
    }
  });

  it('checks the stored-bytes cap with the commit: past it the transaction fails with the caller\'s error, nothing committed', async () => {
    await shared.write(async (tx) => tx.ensureUser('al', 1));
    class OverCap extends Error {}
    const charge = (bytes: number) => pgStore.write(async (tx) => {
      await tx.ensureUser('al-' + String(bytes), 1);
      return tx.chargeStoredBytes('al', bytes, 7, { bytes: 1000, refuse: () => new OverCap() });
    });
    expect(await charge(600)).toBe(600);
    await expect(charge(500)).rejects.toBeInstanceOf(OverCap);
    expect(await shared.read((tx) => tx.existingUsers(['al-500', 'al-600']))).toEqual(new Set(['al-600']));
    expect(await charge(400)).toBe(400);
    // Without a cap the total is answered as before.
    expect(await pgStore.write((tx) => tx.chargeStoredBytes('al', 0, 7))).toBe(1000);
  });

  it('counts pending load as the shared statements do', async () => {
    const now = 1000;
    const inv = (inviteID: string, inviter: string, invitees: string[], deadline: number | null, pending = true): Invitation => ({
      inviteID, inviter, groupID: '', inviteeList: invitees, data: '', timeout: 30, onlineUserOnly: false, createdAt: 0, deadline,
      parts: Object.fromEntries(invitees.map((u) => [u, pending ? 'pending' : 'accept'])) as Invitation['parts'], endReason: pending ? null : 'accept' as Invitation['endReason'],
    });
    await shared.write(async (tx) => {
      await tx.insertInvitation(inv('1', 'al', ['bo', 'cy'], 2000));
      await tx.insertInvitation(inv('2', 'al', ['bo'], null));
      await tx.insertInvitation(inv('3', 'dee', ['bo'], 2000));
      await tx.insertInvitation(inv('4', 'al', ['cy'], 500)); // past its deadline
      await tx.insertInvitation(inv('5', 'al', ['ed'], 2000, false)); // ended
      await tx.insertInvitation(inv('6', 'zz', ['bo'], null), true); // from a stranger to bo
    });
    for (const [inviter, invitees] of [['al', ['bo', 'cy', 'ed', 'zz']], ['dee', ['bo']], ['zz', []]] as const) {
      const want = await shared.read((tx) => tx.pendingLoad(inviter, invitees, now));
      const got = await pgStore.read((tx) => tx.pendingLoad(inviter, invitees, now));
      expect(got).toEqual(want);
    }
    expect(await pgStore.read((tx) => tx.pendingLoad('al', ['bo', 'cy'], now))).toEqual({
      sent: 2, toward: new Map([['bo', { total: 4, fromInviter: 2, fromStrangers: 1 }], ['cy', { total: 1, fromInviter: 1, fromStrangers: 0 }]]),
    });
  });
});
