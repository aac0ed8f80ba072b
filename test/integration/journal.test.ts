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
import { createInvitation, transition } from '../../src/server/signaling/machine.ts';
import { SqliteDriver } from '../../src/server/store/sqlite/driver.ts';
import { SqliteStore } from '../../src/server/store/sqlite/store.ts';
import type { StoreTx } from '../../src/server/store/types.ts';
import { testBackend, testStorage, type TestStorage } from '../support/backends.ts';
import { seqsOf } from '../support/event-seqs.ts';

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
  return Number(fileValue(`SELECT COUNT(*) AS n FROM ${table}`));
}

/** One value as another connection reads it from the file. */
function fileValue(sql: string): unknown {
  const raw = new Database(db.storage, { readonly: true });
  try {
    return Object.values(raw.prepare(sql).get() as Record<string, unknown>)[0];
  } finally {
    raw.close();
  }
}

/** A 1:1 invitation from alice to bob, made at `now` (30 s timeout). */
function invitation(id: string, now = T0) {
  return createInvitation({ inviteID: id, inviter: 'alice', groupID: '', inviteeList: ['bob'], data: '', timeout: 30, onlineUserOnly: false, now }).invitation;
}

/** One message from alice to bob, as a transition writes it: history, both conversations, both events, the request record. */
async function send(tx: StoreTx, text: string, requestID: string): Promise<{ id: number; seqs: Map<string, number> }> {
  const id = await tx.insertMessage({ convKey: 'c2c:alice:bob', from: 'alice', to: 'bob', time: T0, payload: { data: text } as never });
  await tx.bumpConversations([{ userID: 'alice', conversationID: 'C2Cbob', unreadDelta: 0 }, { userID: 'bob', conversationID: 'C2Calice', unreadDelta: 1 }], id, T0);
  const seqs = await seqsOf(await tx.appendEvents([{ userID: 'alice', inviteID: null, deadline: null, frame: `{"a":"${text}"}` }, { userID: 'bob', inviteID: null, deadline: null, frame: `{"b":"${text}"}` }], T0));
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

  // Issue 19 step 2: what a transition reads is held in memory (sqlite/hot-state.ts); the
  // invitation rows, users.last_seq and the byte counters are projections behind the journal.
  it('a transition writes the journal row alone: invitations, seqs and byte counters are applied behind it', async () => {
    const store = await openStore();
    await users(store);
    const inv = invitation('inv-1');
    await store.write(async (tx) => {
      await tx.insertInvitation(inv, true);
      await tx.appendEvents([{ userID: 'bob', inviteID: 'inv-1', deadline: inv.deadline, frame: '{"x":1}' }], T0);
      expect(await tx.chargeStoredBytes('alice', 100, 5)).toBe(100);
    });
    expect(rows('journal')).toBe(1);
    expect(rows('invitations')).toBe(0);
    expect(fileValue("SELECT last_seq FROM users WHERE user_id = 'bob'")).toBe(0);
    expect(fileValue("SELECT stored_bytes FROM users WHERE user_id = 'alice'")).toBe(0);
    // The reads a transition makes see it at once, from memory.
    expect(await store.read((tx) => tx.getInvitation('inv-1', false))).toEqual(inv);
    expect(await store.read((tx) => tx.currentSeq('bob'))).toBe(1);
    expect(await store.read((tx) => tx.pendingLoad('alice', ['bob'], T0))).toEqual({ sent: 1, toward: new Map([['bob', { total: 1, fromInviter: 1, fromStrangers: 1 }]]) });
    expect(await store.read((tx) => tx.nextDeadline())).toBe(inv.deadline);
    expect(await store.write((tx) => tx.chargeStoredBytes('alice', 50, 5))).toBe(150);
    const accepted = transition(inv, { type: 'accept', by: 'bob', data: '', now: T0 + 1 }).invitation;
    await store.write((tx) => tx.updateInvitation(inv, accepted));
    expect(await store.read((tx) => tx.openInvitationsOf('bob', 10))).toEqual([]);

    await store.catchUp();
    expect(rows('journal')).toBe(0);
    expect(fileValue("SELECT body FROM invitations WHERE invite_id = 'inv-1'")).toBe(JSON.stringify(accepted));
    expect(fileValue("SELECT is_open FROM invitations WHERE invite_id = 'inv-1'")).toBe(0);
    expect(fileValue("SELECT from_stranger FROM invitations WHERE invite_id = 'inv-1'")).toBe(1);
    expect(fileValue("SELECT state FROM invitation_parts WHERE invite_id = 'inv-1'")).toBe('accepted');
    expect(fileValue("SELECT last_seq FROM users WHERE user_id = 'bob'")).toBe(1);
    expect(fileValue("SELECT stored_bytes FROM users WHERE user_id = 'alice'")).toBe(150);
    // Applied and closed: the file answers for it now.
    expect(await store.read((tx) => tx.getInvitation('inv-1', false))).toEqual(accepted);
  });

  it('a store opened after a crash holds the open invitations, seqs and byte counters the journal held', async () => {
    const driver = new SqliteDriver(db.storage);
    const first = await SqliteStore.open(driver);
    await users(first);
    const open = invitation('inv-open');
    const ended = invitation('inv-ended');
    await first.write(async (tx) => {
      await tx.insertInvitation(open);
      await tx.insertInvitation(ended);
      await tx.appendEvents([{ userID: 'bob', inviteID: null, deadline: null, frame: '{"a":1}' }], T0);
      await tx.chargeStoredBytes('alice', 70, 5);
    });
    await first.write(async (tx) => {
      await tx.updateInvitation(ended, transition(ended, { type: 'cancel', by: 'alice', data: '', now: T0 + 1 }).invitation);
      await tx.appendEvents([{ userID: 'bob', inviteID: null, deadline: null, frame: '{"a":2}' }], T0);
    });
    await driver.close(); // dies before applying anything
    expect(rows('journal')).toBe(2);
    expect(rows('invitations')).toBe(0);

    const second = await openStore();
    expect((await second.read((tx) => tx.openInvitationsOf('alice', 10))).map((i) => i.inviteID)).toEqual(['inv-open']);
    expect(await second.read((tx) => tx.dueInvitationIDs(open.deadline!, 10))).toEqual(['inv-open']);
    expect((await second.read((tx) => tx.getInvitation('inv-ended', false)))?.endReason).not.toBeNull();
    expect(await second.read((tx) => tx.currentSeq('bob'))).toBe(2);
    expect((await seqsOf(await second.write((tx) => tx.appendEvents([{ userID: 'bob', inviteID: null, deadline: null, frame: '{"a":3}' }], T0)))).get('bob')).toBe(3);
    expect(await second.write((tx) => tx.chargeStoredBytes('alice', 1, 5))).toBe(71);
    expect((await second.read((tx) => tx.eventsAfter('bob', 0, 10))).map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it('a transaction that rolls back leaves memory as it was: seqs, counters, invitations and known users', async () => {
    const store = await openStore();
    await users(store);
    const inv = invitation('inv-1');
    await expect(store.write(async (tx) => {
      await tx.insertInvitation(inv);
      await tx.appendEvents([{ userID: 'bob', inviteID: null, deadline: null, frame: '{"a":1}' }], T0);
      await tx.chargeStoredBytes('alice', 70, 5);
      await tx.ensureUser('carol', T0);
      expect(await tx.existingUsers(['carol'])).toEqual(new Set(['carol']));
      throw new Error('boom');
    })).rejects.toThrow('boom');
    expect(await store.read((tx) => tx.getInvitation('inv-1', false))).toBeNull();
    expect(await store.read((tx) => tx.pendingLoad('alice', ['bob'], T0))).toEqual({ sent: 0, toward: new Map() });
    expect(await store.read((tx) => tx.currentSeq('bob'))).toBe(0);
    expect(await store.write((tx) => tx.chargeStoredBytes('alice', 1, 5))).toBe(1);
    expect(await store.read((tx) => tx.existingUsers(['carol']))).toEqual(new Set());
  });

  // The writer thread (store/sqlite/journal-writer.ts): a request that writes beyond the
  // journal is undone and run again on the main connection, once.
  it('runs a request that writes other tables again in a write group: its memory changes count once, even if it caught the refusal', async () => {
    const driver = new SqliteDriver(db.storage, { writerThread: true });
    const store = await SqliteStore.open(driver);
    open.push(store);
    await users(store);
    expect(await driver.writerUp()).toBe(true);
    const group = (id: string) => ({ groupID: id, name: id, type: 'Public' as const, ownerID: 'alice' });
    let runs = 0;
    const seq = await store.write(async (tx) => {
      runs++;
      const s = (await seqsOf(await tx.appendEvents([{ userID: 'bob', inviteID: null, deadline: null, frame: '{"a":1}' }], T0))).get('bob');
      try {
        await tx.insertGroup(group('g1'), T0);
      } catch {
        // a body that swallows the refusal is still run again
      }
      return s;
    });
    expect(runs).toBe(2);
    expect(seq).toBe(1);
    expect(await store.read((tx) => tx.currentSeq('bob'))).toBe(1);
    expect(await store.read((tx) => tx.getGroup('g1'))).toEqual(group('g1'));
    expect((await store.read((tx) => tx.eventsAfter('bob', 0, 10))).map((e) => [e.seq, e.frame])).toEqual([[1, '{"a":1}']]);
  });
});
