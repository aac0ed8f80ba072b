/**
 * The SQLite journal (issue 19, sqlite/journal.ts): a transition's messages, conversation
 * bumps, events and request records are journaled with it and written to their tables
 * behind it. Readers see their own writes, a store opened after a crash applies what the
 * journal holds (exactly once), a rolled-back reader hands the queue back, and a request
 * id is taken as soon as it is journaled. On a real SQLite file (SQLite only: the
 * PostgreSQL store does not journal yet).
 */
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteDriver } from '../../src/server/store/sqlite/driver.ts';
import { SqliteStore } from '../../src/server/store/sqlite/store.ts';
import type { StoreTx } from '../../src/server/store/types.ts';
import { testBackend, testStorage, type TestStorage } from '../support/backends.ts';

const T0 = 1_765_000_000_000;
let db: TestStorage;
let open: SqliteStore[] = [];

beforeEach(async () => {
  db = await testStorage('journal', 'sqlite');
});
afterEach(async () => {
  for (const s of open) await s.close().catch(() => undefined);
  open = [];
  await db.cleanup();
});

async function openStore(): Promise<SqliteStore> {
  const s = await SqliteStore.open(new SqliteDriver(db.storage));
  open.push(s);
  return s;
}

/** Rows of `table` as another connection sees them (what is committed to the file). */
function rows(table: string): number {
  const raw = new Database(db.storage, { readonly: true });
  try {
    return (raw.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    raw.close();
  }
}

/** One message from alice to bob, as a transition writes it: history, both conversations, both events, the request record. */
async function send(tx: StoreTx, text: string, requestID: string): Promise<{ id: number; seqs: Map<string, number> }> {
  const id = await tx.insertMessage({ convKey: 'c2c:alice:bob', from: 'alice', to: 'bob', time: T0, payload: { data: text } as never });
  await tx.bumpConversations([{ userID: 'alice', conversationID: 'C2Cbob', unreadDelta: 0 }, { userID: 'bob', conversationID: 'C2Calice', unreadDelta: 1 }], id, T0);
  const seqs = await tx.appendEvents([{ userID: 'alice', inviteID: null, deadline: null, frame: `{"a":"${text}"}` }, { userID: 'bob', inviteID: null, deadline: null, frame: `{"b":"${text}"}` }], T0);
  expect(await tx.putRequestResult('alice', requestID, `{"code":0,"data":"${text}"}`, T0)).toBe(true);
  return { id, seqs };
}

async function users(store: SqliteStore): Promise<void> {
  await store.write(async (tx) => { await tx.ensureUser('alice', T0); await tx.ensureUser('bob', T0); });
}

// The PostgreSQL project runs this file too: it has nothing of its own to test there.
describe.skipIf(testBackend() !== 'sqlite')('the SQLite journal', () => {
  it('journals a transition as one row, and a reader of the projected tables reads it', async () => {
    const store = await openStore();
    await users(store);
    const { id } = await store.write((tx) => send(tx, 'one', 'r1'));
    // Committed as one journal row; the tables are written behind it.
    expect(rows('journal')).toBe(1);
    expect(rows('messages')).toBe(0);
    expect(rows('requests')).toBe(0);
    expect((await store.read((tx) => tx.listMessages('c2c:alice:bob', null, 10))).map((m) => [m.id, m.payload])).toEqual([[id, { data: 'one' }]]);
    expect(rows('journal')).toBe(0);
    expect(rows('messages')).toBe(1);
    expect(await store.read((tx) => tx.listConversations('bob'))).toEqual([{ conversationID: 'C2Calice', unread: 1, lastMessageID: id }]);
    expect((await store.read((tx) => tx.eventsAfter('bob', 0, 10))).map((e) => [e.seq, e.frame])).toEqual([[1, '{"b":"one"}']]);
    expect(await store.read((tx) => tx.getRequestResult('alice', 'r1', T0))).toBe('{"code":0,"data":"one"}');
  });

  it('takes a request id as soon as it is journaled, and within its own transaction', async () => {
    const store = await openStore();
    await users(store);
    await store.write((tx) => send(tx, 'one', 'r1'));
    expect(rows('requests')).toBe(0);
    expect(await store.write((tx) => tx.putRequestResult('alice', 'r1', 'again', T0 + 1))).toBe(false);
    expect(await store.write(async (tx) => {
      expect(await tx.putRequestResult('alice', 'r2', 'first', T0)).toBe(true);
      return tx.putRequestResult('alice', 'r2', 'second', T0);
    })).toBe(false);
    expect(await store.read((tx) => tx.getRequestResult('alice', 'r2', T0))).toBe('first');
  });

  it('applies one transaction after another in the same catch-up: unread counts add up, the last message wins', async () => {
    const store = await openStore();
    await users(store);
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push((await store.write((tx) => send(tx, `m${i}`, `r${i}`))).id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(rows('journal')).toBe(5);
    expect(await store.read((tx) => tx.listConversations('bob'))).toEqual([{ conversationID: 'C2Calice', unread: 5, lastMessageID: ids[4] }]);
    expect((await store.read((tx) => tx.eventsAfter('alice', 0, 10))).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it('a store opened after a crash applies what the journal holds, once, and continues its ids', async () => {
    const driver = new SqliteDriver(db.storage);
    const first = await SqliteStore.open(driver);
    await users(first);
    const { id } = await first.write((tx) => send(tx, 'before', 'r1'));
    // The process dies: the connection goes away without applying the journal.
    await driver.close();
    expect(rows('journal')).toBe(1);
    expect(rows('messages')).toBe(0);

    const second = await openStore();
    expect(rows('journal')).toBe(0);
    expect((await second.read((tx) => tx.listMessages('c2c:alice:bob', null, 10))).map((m) => m.id)).toEqual([id]);
    expect(await second.read((tx) => tx.listConversations('bob'))).toEqual([{ conversationID: 'C2Calice', unread: 1, lastMessageID: id }]);
    expect(await second.write((tx) => tx.putRequestResult('alice', 'r1', 'again', T0))).toBe(false);
    const next = await second.write((tx) => send(tx, 'after', 'r2'));
    expect(next.id).toBeGreaterThan(id);
    expect(next.seqs.get('bob')).toBe(2);
    expect((await second.read((tx) => tx.eventsAfter('bob', 0, 10))).map((e) => [e.seq, e.frame])).toEqual([[1, '{"b":"before"}'], [2, '{"b":"after"}']]);

    // A third opening finds nothing left to apply: nothing is applied twice.
    await second.close();
    open = [];
    const third = await openStore();
    expect(await third.read((tx) => tx.listConversations('bob'))).toEqual([{ conversationID: 'C2Calice', unread: 2, lastMessageID: next.id }]);
  });

  it('a transaction that applied the queue and then failed hands it back: applied later, once', async () => {
    const store = await openStore();
    await users(store);
    const { id } = await store.write((tx) => send(tx, 'one', 'r1'));
    await expect(store.write(async (tx) => {
      await tx.listConversations('bob'); // applies the queue inside this transaction ...
      await send(tx, 'lost', 'r-lost');
      throw new Error('boom'); // ... which rolls back
    })).rejects.toThrow('boom');
    expect(rows('journal')).toBe(1);
    expect(await store.read((tx) => tx.listConversations('bob'))).toEqual([{ conversationID: 'C2Calice', unread: 1, lastMessageID: id }]);
    expect((await store.read((tx) => tx.listMessages('c2c:alice:bob', null, 10))).map((m) => m.id)).toEqual([id]);
    expect(await store.read((tx) => tx.getRequestResult('alice', 'r-lost', T0))).toBeNull();
  });

  it('applies the queue behind the writes once the store is idle', async () => {
    const store = await openStore();
    await users(store);
    await store.write((tx) => send(tx, 'one', 'r1'));
    expect(rows('journal')).toBe(1);
    await expect.poll(() => rows('journal'), { timeout: 20_000, interval: 20 }).toBe(0);
    expect(rows('messages')).toBe(1);
  });
});
