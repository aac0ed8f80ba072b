import { describe, expect, it } from 'vitest';
import { knownRowCount, numberPlaceholders, StatementNames } from '../../src/server/store/postgres/statements.ts';

describe('PostgreSQL statement helpers', () => {
  it('numbers placeholders in order', () => {
    expect(numberPlaceholders('SELECT a FROM t WHERE b = ? AND c IN (?, ?)')).toBe('SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)');
  });

  it('knows the row count of plain multi-row INSERTs and of upserts that always update', () => {
    expect(knownRowCount('INSERT INTO invitation_parts (invite_id, user_id, state) VALUES (?, ?, ?)')).toBe(1);
    expect(knownRowCount('INSERT INTO user_event_refs (user_id, seq, event_id) VALUES (?, ?, ?), (?, ?, ?),(?,?,?)')).toBe(3);
    expect(knownRowCount(
      `INSERT INTO conversations (user_id, conversation_id, unread) VALUES (?, ?, ?), (?, ?, ?)
       ON CONFLICT (user_id, conversation_id) DO UPDATE SET unread = conversations.unread + excluded.unread,
         last = CASE WHEN excluded.x > conversations.x THEN excluded.x ELSE conversations.x END`,
    )).toBe(2);
  });

  it('leaves every statement whose answer carries news to be waited for', () => {
    for (const sql of [
      'INSERT INTO messages (conv_key, sender) VALUES (?, ?) RETURNING id',
      'INSERT INTO users (user_id, created_at) VALUES (?, ?) ON CONFLICT (user_id) DO NOTHING',
      'INSERT INTO t (a) VALUES (?) ON CONFLICT (a) DO UPDATE SET b = 1 WHERE t.c = 2',
      'INSERT INTO t (a) VALUES (?) ON CONFLICT (a) DO UPDATE SET b = 1 RETURNING a',
      "INSERT INTO t (a, b) VALUES (?, 'x')",
      'INSERT INTO t (a) SELECT a FROM u',
      'UPDATE users SET token_gen = token_gen + 1 WHERE user_id = ?',
      'DELETE FROM requests WHERE created_at < ?',
      'SELECT 1',
    ]) expect(knownRowCount(sql), sql).toBeNull();
  });

  it('names a statement from its third use, and at most `max` of them', () => {
    const names = new StatementNames(2);
    expect([names.nameOf('a'), names.nameOf('a')]).toEqual([undefined, undefined]);
    const a = names.nameOf('a');
    expect(a).toMatch(/^ringlet_\d+$/);
    expect(names.nameOf('a')).toBe(a);
    for (let i = 0; i < 3; i++) names.nameOf('b');
    const b = names.nameOf('b');
    expect(b).toBeDefined();
    expect(b).not.toBe(a);
    for (let i = 0; i < 5; i++) expect(names.nameOf('c')).toBeUndefined();
  });

  it('never names a statement whose columns are *: a migration on another node would change its result type', () => {
    const names = new StatementNames();
    for (const text of ['SELECT * FROM messages WHERE id IN ($1)', 'SELECT m.* FROM messages m', 'INSERT INTO t (a) VALUES ($1) RETURNING *']) {
      for (let i = 0; i < 5; i++) expect(names.nameOf(text)).toBeUndefined();
    }
    for (let i = 0; i < 2; i++) names.nameOf('SELECT COUNT(*) AS n FROM t');
    expect(names.nameOf('SELECT COUNT(*) AS n FROM t')).toBeDefined();
  });
});
