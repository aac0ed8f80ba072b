/**
 * Migration 3 on a database written before it: groups dismissed then (rows deleted, messages
 * left behind) become tombstones, and users who had left keep only the history they held.
 * Runs on SQLite and, with `--project integration-postgres`, on PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RingletServer } from '../../src/server/index.ts';
import type { SqlDriver } from '../../src/server/store/driver.ts';
import { MIGRATIONS } from '../../src/server/store/migrations.ts';
import { SqliteDriver } from '../../src/server/store/sqlite/driver.ts';
import { testStorage, type TestStorage } from '../support/backends.ts';
import { connectClient } from './harness.ts';

let db: TestStorage;
let server: RingletServer;

async function openDriver(storage: string): Promise<SqlDriver> {
  if (!storage.startsWith('postgres')) return new SqliteDriver(storage);
  const { PostgresDriver } = await import('../../src/server/store/postgres/driver.ts');
  return PostgresDriver.connect(storage);
}

/** A version-1 database as main wrote it: group `gone` dismissed (only its messages left), bob removed from `live`. */
async function writeVersion1(driver: SqlDriver): Promise<void> {
  await driver.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)');
  await driver.transaction('write', async (c) => {
    for (const stmt of MIGRATIONS[0]!.sql(driver.dialect).split(';').map((s) => s.trim()).filter(Boolean)) await c.run(stmt);
    await c.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (1, ?, 0)', ['initial schema']);
    for (const u of ['alice', 'bob', 'carol', 'mallory']) await c.run('INSERT INTO users (user_id, created_at) VALUES (?, 0)', [u]);
    await c.run("INSERT INTO chat_groups (group_id, name, type, owner_id, created_at) VALUES ('live', 'live', 'Public', 'alice', 0)");
    await c.run("INSERT INTO group_members (group_id, user_id, role, joined_at) VALUES ('live', 'alice', 'Owner', 0)");
    const msg = async (group: string, data: string) =>
      Number((await c.get<{ id: number }>('INSERT INTO messages (conv_key, sender, target, time, payload) VALUES (?, ?, ?, 0, ?) RETURNING id', [`group:${group}`, 'alice', group, JSON.stringify({ data })]))!.id);
    const seen = await msg('live', 'bob saw this');
    await msg('live', 'after bob left');
    const gone = await msg('gone', 'old secret');
    const conv = (user: string, group: string, last: number) =>
      c.run('INSERT INTO conversations (user_id, conversation_id, unread, last_message_id, updated_at) VALUES (?, ?, 0, ?, 0)', [user, `GROUP${group}`, last]);
    await conv('bob', 'live', seen);
    await conv('carol', 'gone', gone);
  });
}

beforeAll(async () => {
  db = await testStorage('groupsmigration');
  const driver = await openDriver(db.storage);
  await writeVersion1(driver);
  await driver.close();
  server = await startServer({ port: 0, ...db.serverOptions });
});
afterAll(async () => {
  await server?.close();
  await db?.cleanup();
});

async function client(userID: string) {
  return connectClient(server.url, userID, await server.userSig(userID, 600));
}

async function failure(p: Promise<unknown>): Promise<{ code: number; reason: string }> {
  return p.then(() => { throw new Error('the call succeeded; it must fail'); }, (err: { code: number; reason: string }) => err);
}

describe('migration 3 (group tombstones and former members)', () => {
  it('a group dismissed before the migration cannot be created again, and its history stays with its old members only', async () => {
    const mallory = await client('mallory');
    const carol = await client('carol');
    try {
      expect((await failure(mallory.chat.createGroup({ name: 'x', groupID: 'gone' }))).code).toBe(8031);
      expect((await failure(mallory.chat.getMessageList({ conversationID: 'GROUPgone' }))).code).toBe(8003);
      const page = await carol.chat.getMessageList({ conversationID: 'GROUPgone' });
      expect(page.data.messageList.map((m) => m.payload.data)).toEqual(['old secret']);
    } finally {
      await mallory.chat.destroy();
      await carol.chat.destroy();
    }
  });

  it('a member who had left before the migration reads only up to its conversation then', async () => {
    const bob = await client('bob');
    try {
      const page = await bob.chat.getMessageList({ conversationID: 'GROUPlive' });
      expect(page.data.messageList.map((m) => m.payload.data)).toEqual(['bob saw this']);
      expect((await failure(bob.chat.sendMessage({ conversationID: 'GROUPlive', payload: { data: 'x' } }))).code).toBe(8004);
    } finally {
      await bob.chat.destroy();
    }
  });
});
