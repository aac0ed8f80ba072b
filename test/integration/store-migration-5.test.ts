/**
 * Migration 5 (fewer B-trees per commit) on a database written at schema version 4:
 * recorded replies still answer retries exactly once, invitations, event logs and message
 * ids carry over, and new rows continue after the old ones. Runs on a real SQLite file
 * (created as version 4 wrote it, 4 KiB pages) and, in integration-postgres, on PostgreSQL.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqlDriver } from '../../src/server/store/driver.ts';
import { MIGRATIONS, migrate } from '../../src/server/store/migrations.ts';
import { SqlStore } from '../../src/server/store/sql-store.ts';
import { SqliteDriver } from '../../src/server/store/sqlite/driver.ts';
import { SqliteStore } from '../../src/server/store/sqlite/store.ts';
import type { Invitation } from '../../src/server/signaling/machine.ts';
import { testBackend, testStorage, type TestStorage } from '../support/backends.ts';
import { seqsOf } from '../support/event-seqs.ts';

const DAY = 86_400_000;
const T0 = 20_000 * DAY + 5_000; // early in a UTC day

let db: TestStorage;
let driver: SqlDriver;

async function openDriver(): Promise<SqlDriver> {
  if (db.backend === 'postgres') {
    const { PostgresDriver } = await import('../../src/server/store/postgres/driver.ts');
    return PostgresDriver.connect(db.storage, { max: 2 });
  }
  return new SqliteDriver(db.storage);
}

beforeEach(async () => {
  db = await testStorage('migration5');
  if (db.backend === 'sqlite') {
    // The file as the server before this version created it: 4 KiB pages, WAL.
    const raw = new Database(db.storage);
    raw.pragma('page_size = 4096');
    raw.pragma('journal_mode = WAL');
    raw.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)');
    raw.close();
  }
  driver = await openDriver();
});
afterEach(async () => {
  await driver.close();
  await db.cleanup();
});

const invitation = (inviteID: string, groupID: string, invitees: string[]): Invitation => ({
  inviteID, inviter: 'alice', groupID, inviteeList: invitees, data: '', timeout: 30,
  onlineUserOnly: false, createdAt: T0, deadline: T0 + 30_000, endReason: null,
  parts: Object.fromEntries(invitees.map((u) => [u, 'pending'])),
} as unknown as Invitation);

let lastMessage = 0;

/** Versions 1–4 applied by hand, with rows in every table migration 5 rebuilds. */
async function writeVersion4(): Promise<void> {
  await driver.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)');
  for (const m of MIGRATIONS.filter((x) => x.version <= 4)) {
    await driver.transaction('write', async (c) => {
      for (const stmt of m.sql(driver.dialect).split(';').map((s) => s.trim()).filter(Boolean)) await c.run(stmt);
      await c.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, 0)', [m.version, m.name]);
    });
  }
  await driver.transaction('write', async (c) => {
    await c.run("INSERT INTO users (user_id, created_at, last_seq) VALUES ('alice', 0, 1), ('bob', 0, 2), ('carol', 0, 0)");
    await c.run("INSERT INTO requests (user_id, request_id, response, created_at) VALUES ('alice', 'r-old', '{\"code\":0,\"data\":\"old\"}', ?)", [T0 - DAY]);
    await c.run("INSERT INTO requests (user_id, request_id, response, created_at) VALUES ('alice', 'r-today', '{\"code\":0,\"data\":\"today\"}', ?)", [T0]);
    await c.run("INSERT INTO requests (user_id, request_id, response, created_at) VALUES ('alice', 'r-stale', '{\"code\":0,\"data\":\"stale\"}', ?)", [T0 - 3 * DAY]);
    for (const [id, group, invitees] of [['i-1', '', ['bob']], ['i-g', 'g1', ['bob', 'carol']]] as const) {
      const inv = invitation(id, group, [...invitees]);
      await c.run('INSERT INTO invitations (invite_id, inviter, group_id, is_open, deadline, created_at, body) VALUES (?, ?, ?, 1, ?, ?, ?)', [id, 'alice', group, inv.deadline, T0, JSON.stringify(inv)]);
      for (const u of invitees) await c.run("INSERT INTO invitation_parts (invite_id, user_id, state) VALUES (?, ?, 'pending')", [id, u]);
    }
    const event = async (inviteID: string | null, frame: string) =>
      Number((await c.get<{ id: number }>('INSERT INTO events (invite_id, deadline, frame, created_at) VALUES (?, NULL, ?, ?) RETURNING id', [inviteID, frame, T0]))!.id);
    const e7 = await event('i-1', '{"e":7}');
    const e9 = await event(null, '{"e":9}');
    await c.run("INSERT INTO user_event_refs (user_id, seq, event_id) VALUES ('alice', 1, ?), ('bob', 1, ?), ('bob', 2, ?)", [e7, e7, e9]);
    for (let i = 0; i < 3; i++) {
      lastMessage = Number((await c.get<{ id: number }>("INSERT INTO messages (conv_key, sender, target, time, payload) VALUES ('c2c:alice:bob', 'alice', 'bob', ?, '{\"data\":\"hi\"}') RETURNING id", [T0]))!.id);
    }
  });
}

if (testBackend() !== 'sqlite') console.log('store-migration-5: the two SQLite-only cases are skipped on PostgreSQL (its request records and pages are unchanged; they run in integration)');

describe('migration 5: fewer B-trees per commit', () => {
  it('carries version-4 data over: replies, invitations, event logs and ids', async () => {
    await writeVersion4();
    // Version 5 and every later one (others add theirs after it).
    expect(await migrate(driver)).toEqual(MIGRATIONS.map((m) => m.version).filter((v) => v >= 5));
    const store = await openOn(driver);

    // A retry of a request answered before the upgrade gets the same reply and is not applied again.
    expect(await store.read((tx) => tx.getRequestResult('alice', 'r-today', T0 + 1000))).toBe('{"code":0,"data":"today"}');
    expect(await store.write((tx) => tx.putRequestResult('alice', 'r-today', '{"code":0,"data":"twice"}', T0 + 1000))).toBe(false);
    // Yesterday's is still remembered (ids live at least a day) and still refuses a second application.
    expect(await store.read((tx) => tx.getRequestResult('alice', 'r-old', T0))).toBe('{"code":0,"data":"old"}');
    expect(await store.write((tx) => tx.putRequestResult('alice', 'r-old', '{"code":0,"data":"twice"}', T0))).toBe(false);
    expect(await store.write((tx) => tx.putRequestResult('alice', 'r-new', '{"code":0,"data":"new"}', T0))).toBe(true);

    // Invitations and their parts: pending lists, group lookups and pending counts as before.
    const open = await store.read((tx) => tx.openInvitationsOf('bob', 10));
    expect(open.map((i) => i.inviteID).sort()).toEqual(['i-1', 'i-g']);
    expect((await store.write((tx) => tx.openInvitationsInGroup('g1'))).map((i) => i.inviteID)).toEqual(['i-g']);
    expect(await store.write((tx) => tx.openInvitationsInGroup(''))).toEqual([]);
    const load = await store.read((tx) => tx.pendingLoad('alice', ['bob', 'carol'], T0));
    expect(load.sent).toBe(2);
    expect(load.toward.get('bob')).toEqual({ total: 2, fromInviter: 2, fromStrangers: 0 });
    expect(load.toward.get('carol')).toEqual({ total: 1, fromInviter: 1, fromStrangers: 0 });

    // Event logs replay unchanged; new events and messages get ids after the old ones.
    expect((await store.read((tx) => tx.eventsAfter('bob', 0, 10))).map((e) => [e.seq, e.inviteID, e.frame])).toEqual([[1, 'i-1', '{"e":7}'], [2, null, '{"e":9}']]);
    const seqs = await seqsOf(await store.write((tx) => tx.appendEvents([{ userID: 'bob', inviteID: null, deadline: null, frame: '{"e":"new"}' }], T0)));
    expect(seqs.get('bob')).toBe(3);
    expect((await store.read((tx) => tx.eventsAfter('bob', 2, 10))).map((e) => e.frame)).toEqual(['{"e":"new"}']);
    const id = await store.write((tx) => tx.insertMessage({ convKey: 'c2c:alice:bob', from: 'alice', to: 'bob', time: T0, payload: { data: 'next' } as never }));
    expect(id).toBeGreaterThan(lastMessage);
    expect((await store.read((tx) => tx.listMessages('c2c:alice:bob', null, 10))).map((m) => m.id).sort((a, b) => a - b)).toEqual([lastMessage - 2, lastMessage - 1, lastMessage, id]);
  });

  // PostgreSQL keeps its time-based records (its store sends them itself): SQLite only.
  it.runIf(testBackend() === 'sqlite')('on SQLite: keeps a request id from its day to the end of the next, then prunes whole days', async () => {
    const store = await openOn(driver);
    await store.write(async (tx) => { await tx.ensureUser('alice', T0); });
    expect(await store.write((tx) => tx.putRequestResult('alice', 'r1', 'A', T0))).toBe(true);
    expect(await store.write((tx) => tx.putRequestResult('alice', 'r1', 'B', T0 + 10))).toBe(false);
    // Next day, just before its end: still a retry.
    const nextDayEnd = T0 - 5_000 + 2 * DAY - 1;
    expect(await store.read((tx) => tx.getRequestResult('alice', 'r1', nextDayEnd))).toBe('A');
    expect(await store.write((tx) => tx.putRequestResult('alice', 'r1', 'B', nextDayEnd))).toBe(false);
    // The hourly prune a day later keeps it until its next day has ended ...
    await store.write((tx) => tx.prune(0, nextDayEnd - DAY));
    expect(await store.read((tx) => tx.getRequestResult('alice', 'r1', nextDayEnd))).toBe('A');
    // ... and drops the whole day after that.
    await store.write((tx) => tx.prune(0, nextDayEnd + 1));
    const left = await driver.transaction('read', (c) => c.get<{ n: number | string }>("SELECT COUNT(*) AS n FROM requests WHERE user_id = 'alice'"));
    expect(Number(left?.n)).toBe(0);
  });

  it.runIf(testBackend() === 'sqlite')('on SQLite: a new file gets 1 KiB pages, an existing one keeps its own, and AUTOINCREMENT is gone', async () => {
    await writeVersion4();
    await migrate(driver);
    const raw = new Database(db.storage, { readonly: true });
    try {
      expect(raw.pragma('page_size', { simple: true })).toBe(4096);
      const sql = (raw.prepare("SELECT group_concat(sql, ';') AS s FROM sqlite_schema WHERE name IN ('events', 'messages', 'invitation_parts', 'requests')").get() as { s: string }).s;
      expect(sql).not.toMatch(/AUTOINCREMENT/i);
      expect(sql.match(/WITHOUT ROWID/gi)).toHaveLength(2);
    } finally {
      raw.close();
    }
    const fresh = join(db.dir, 'fresh.sqlite');
    const d2 = new SqliteDriver(fresh);
    await openOn(d2);
    await d2.close();
    const raw2 = new Database(fresh, { readonly: true });
    expect(raw2.pragma('page_size', { simple: true })).toBe(1024);
    raw2.close();
  });
});

/** The store the server runs on this driver: SQLite's with its journal, or the shared queries on PostgreSQL. */
function openOn(d: SqlDriver): Promise<SqlStore | SqliteStore> {
  return d instanceof SqliteDriver ? SqliteStore.open(d) : SqlStore.open(d);
}
