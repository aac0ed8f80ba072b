/**
 * The event log stores each event once (migration 4): recipients hold narrow references,
 * replay by seq stays exact, and logs written before the upgrade replay unchanged.
 * Runs on a real SQLite file, and on PostgreSQL in the integration-postgres project.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqlDriver } from '../../src/server/store/driver.ts';
import { MIGRATIONS, migrate } from '../../src/server/store/migrations.ts';
import { SqlStore } from '../../src/server/store/sql-store.ts';
import { SqliteDriver } from '../../src/server/store/sqlite/driver.ts';
import { SqliteStore } from '../../src/server/store/sqlite/store.ts';
import { testStorage, type TestStorage } from '../support/backends.ts';
import { seqsOf } from '../support/event-seqs.ts';

let db: TestStorage;
let driver: SqlDriver;
beforeEach(async () => {
  db = await testStorage('eventlog');
  if (db.backend === 'postgres') {
    const { PostgresDriver } = await import('../../src/server/store/postgres/driver.ts');
    driver = await PostgresDriver.connect(db.storage, { max: 2 });
  } else {
    driver = new SqliteDriver(db.storage);
  }
});
afterEach(async () => {
  await driver.close();
  await db.cleanup();
});

async function count(table: string): Promise<number> {
  return driver.transaction('read', async (c) => Number((await c.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`))!.n));
}

describe('event log stored once', () => {
  it('stores one frame shared by every recipient, with exact per-user seqs', async () => {
    const store = await openOn(driver);
    const users = Array.from({ length: 250 }, (_, i) => `u${String(i).padStart(3, '0')}`);
    await store.write(async (tx) => { for (const u of users) await tx.ensureUser(u, 1); });
    const frame = JSON.stringify({ message: { payload: 'x'.repeat(8000) } });
    const seqs = await seqsOf(await store.write((tx) => tx.appendEvents(users.map((userID) => ({ userID, inviteID: null, deadline: null, frame })), 10)));
    expect([...seqs.values()].every((s) => s === 1)).toBe(true);
    // One distinct frame for u000 only, the shared one for the rest.
    await store.write((tx) => tx.appendEvents(users.map((userID) => ({ userID, inviteID: 'inv', deadline: 99, frame: userID === 'u000' ? '{"own":1}' : frame })), 11));
    // On SQLite the rows are written behind the journal: counted once it is applied.
    if (store instanceof SqliteStore) await store.catchUp();
    expect(await count('events')).toBe(3);
    expect(await count('user_event_refs')).toBe(500);
    const replay = await store.read((tx) => tx.eventsAfter('u001', 0, 10));
    expect(replay.map((e) => [e.seq, e.inviteID, e.deadline, e.frame])).toEqual([[1, null, null, frame], [2, 'inv', 99, frame]]);
    const own = await store.read((tx) => tx.eventsAfter('u000', 1, 10));
    expect(own.map((e) => [e.seq, e.frame])).toEqual([[2, '{"own":1}']]);
    expect((await store.read((tx) => tx.eventsAfter('u000', 0, 1)))[0]?.seq).toBe(1);
    // Pruning removes expired events and their references, and nothing newer.
    await store.write((tx) => tx.prune(11, 0));
    expect(await count('events')).toBe(2);
    expect(await store.read((tx) => tx.eventsAfter('u001', 0, 10))).toHaveLength(1);
    expect((await store.read((tx) => tx.eventsAfter('u001', 0, 1)))[0]?.seq).toBe(2);
  });

  it('carries a log written before the upgrade over unchanged, and new events continue after it', async () => {
    // A database at schema version 1 with two users' logs in the old per-recipient table.
    await driver.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)');
    await driver.transaction('write', async (c) => {
      for (const stmt of MIGRATIONS[0]!.sql(driver.dialect).split(';').map((s) => s.trim()).filter(Boolean)) await c.run(stmt);
      await c.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (1, ?, 0)', ['initial schema']);
      await c.run("INSERT INTO users (user_id, created_at, last_seq) VALUES ('a', 0, 2), ('b', 0, 1)");
      await c.run("INSERT INTO user_events (user_id, seq, invite_id, deadline, frame, created_at) VALUES ('a', 1, 'i1', 5, '{\"a\":1}', 1), ('a', 2, NULL, NULL, '{\"a\":2}', 2), ('b', 1, 'i1', 5, '{\"b\":1}', 1)");
    });
    expect(await migrate(driver)).toContain(4);
    const store = await openOn(driver);
    const a = await store.read((tx) => tx.eventsAfter('a', 0, 10));
    expect(a.map((e) => [e.seq, e.inviteID, e.deadline, e.frame])).toEqual([[1, 'i1', 5, '{"a":1}'], [2, null, null, '{"a":2}']]);
    expect((await store.read((tx) => tx.eventsAfter('b', 0, 10))).map((e) => e.frame)).toEqual(['{"b":1}']);
    // New events get fresh ids (the id sequence continues past the carried rows) and the next seq.
    const seqs = await seqsOf(await store.write((tx) => tx.appendEvents([{ userID: 'a', inviteID: null, deadline: null, frame: '{"a":3}' }, { userID: 'b', inviteID: null, deadline: null, frame: '{"b":2}' }], 3)));
    expect(Object.fromEntries(seqs)).toEqual({ a: 3, b: 2 });
    expect((await store.read((tx) => tx.eventsAfter('a', 1, 10))).map((e) => e.frame)).toEqual(['{"a":2}', '{"a":3}']);
    expect((await store.read((tx) => tx.eventsAfter('b', 1, 10))).map((e) => e.frame)).toEqual(['{"b":2}']);
  });
});

/** The store the server runs on this driver: SQLite's with its journal, or the shared queries on PostgreSQL. */
function openOn(d: SqlDriver): Promise<SqlStore | SqliteStore> {
  return d instanceof SqliteDriver ? SqliteStore.open(d) : SqlStore.open(d);
}
