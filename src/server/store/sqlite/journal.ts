/**
 * The SQLite journal and the projections behind it (issue 19). A write transaction appends
 * one journal row holding what it wrote to the projected tables (history messages,
 * conversations and unread counts, stored events and their per-user references, request
 * records, invitations and their parts, and through the references and counters the users'
 * last_seq and stored_bytes: hot-state.ts holds what transitions read of those); the rows
 * themselves are written later, many transactions' worth in a few
 * multi-row statements, by whichever transaction catches up first. The journal row is the
 * durable truth until then: it is deleted in the transaction that applies it, so the table
 * holds exactly what is not applied yet, and a store that opens the file applies it first.
 *
 * What stays in memory here is small and bounded by the catch-up threshold: the queued
 * rows' ids, the request ids they record (a retry must find them), and the next message and
 * event ids (assigned here, so a deferred row's id is known when the request answers).
 * What the rows hold (frames, messages, replies) is read back from the file when they are
 * applied, not kept in this process's heap meanwhile.
 */
import { inflateRawSync } from 'node:zlib';
import type { SqlConn, SqlValue } from '../driver.ts';
import { CHUNK } from '../sql-store.ts';

/** One write to a projected table, as the journal records it. */
export type ProjectionOp =
  | { k: 'message'; id: number; conv: string; from: string; to: string; time: number; payload: string }
  /** Conversation rows moved to `id` (user, conversation, unread delta). */
  | { k: 'conversations'; id: number; time: number; rows: Array<[string, string, number]> }
  /** Events (id, invite, deadline, frame, created) and references (user, seq, event id). */
  | { k: 'events'; events: Array<[number, string | null, number | null, string, number]>; refs: Array<[string, number, number]> }
  | { k: 'request'; day: number; user: string; id: string; response: string }
  /**
   * An invitation inserted or changed (hot-state.ts holds it until applied): its row, and the
   * states of its parts (all at insert, the changed ones after). `stranger` counts at insert only.
   */
  | { k: 'invitation'; id: string; inviter: string; group: string; open: 0 | 1; deadline: number | null; created: number; body: string; stranger: 0 | 1; parts: Array<[string, string]> }
  /** A user's stored-bytes counter of `day` is now `total` (hot-state.ts). */
  | { k: 'bytes'; user: string; day: number; total: number };

/** A journal row not yet applied: its id and the request records it holds (requestKey). */
export interface Entry { id: number; requests: string[] }

const requestKey = (day: number, user: string, id: string) => `${day}\u0000${user}\u0000${id}`;

export class Journal {
  /** Journal rows not yet applied, in id order. */
  #queue: Entry[] = [];
  /** Request records of the queued rows, by requestKey. */
  readonly #requests = new Set<string>();
  #nextMessageID = 0;
  #nextEventID = 0;
  #nextRowID = 1;
  /** Memory no longer matches the file (a COMMIT failed): reload before the next use. */
  #stale = true;

  /** How many journal rows wait to be applied. */
  get backlog(): number {
    return this.#queue.length;
  }

  /** A COMMIT failed: what this process believed queued may be gone; reload at the next use. */
  invalidate(): void {
    this.#stale = true;
  }

  /**
   * Loads the queue and the next ids from the file (at open, and after a failed COMMIT);
   * returns the queued rows' writes in id order, or null when memory was current.
   */
  async load(c: SqlConn): Promise<Array<{ id: number; ops: ProjectionOp[] }> | null> {
    if (!this.#stale) return null;
    this.#queue = [];
    this.#requests.clear();
    const rows = await c.all<{ id: number; body: Body }>('SELECT id, body FROM journal ORDER BY id');
    let message = Number((await c.get<{ id: number | null }>('SELECT MAX(id) AS id FROM messages'))?.id ?? 0);
    let event = Number((await c.get<{ id: number | null }>('SELECT MAX(id) AS id FROM events'))?.id ?? 0);
    const tail: Array<{ id: number; ops: ProjectionOp[] }> = [];
    for (const r of rows) {
      const ops = decode(r.body);
      tail.push({ id: Number(r.id), ops });
      this.#enqueue(entry(Number(r.id), ops));
      for (const op of ops) {
        if (op.k === 'message') message = Math.max(message, op.id);
        if (op.k === 'events') for (const e of op.events) event = Math.max(event, e[0]);
      }
    }
    this.#nextMessageID = message + 1;
    this.#nextEventID = event + 1;
    this.#nextRowID = rows.length > 0 ? Number(rows[rows.length - 1]!.id) + 1 : 1;
    this.#stale = false;
    return tail;
  }

  nextMessageID(): number {
    return this.#nextMessageID++;
  }

  nextEventID(): number {
    return this.#nextEventID++;
  }

  /** Whether a queued row records this request. */
  queuedRequest(day: number, user: string, id: string): boolean {
    return this.#requests.has(requestKey(day, user, id));
  }

  /**
   * Appends a transaction's writes to the journal and queues them; returns the row's id.
   * `store` writes the row: in the transaction, or through the writer thread (driver.ts);
   * ids follow the order transactions ran in, whichever way their rows are written.
   */
  async append(ops: ProjectionOp[], store: (id: number, body: string) => Promise<void>): Promise<number> {
    const id = this.#nextRowID++;
    try {
      await store(id, JSON.stringify(ops));
    } catch (err) {
      this.#nextRowID = id;
      throw err;
    }
    this.#enqueue(entry(id, ops));
    return id;
  }

  #enqueue(e: Entry): void {
    this.#queue.push(e);
    for (const k of e.requests) this.#requests.add(k);
  }

  /** Takes every queued row (the caller applies them, or hands them back with `restore`). */
  take(): Entry[] {
    const taken = this.#queue;
    this.#queue = [];
    this.#requests.clear();
    return taken;
  }

  /** Puts rows back in front of the queue: the transaction that took them rolled back. */
  restore(taken: Entry[]): void {
    if (taken.length === 0) return;
    const later = this.#queue;
    this.#queue = [];
    for (const e of [...taken, ...later]) this.#enqueue(e);
  }
}

function entry(id: number, ops: readonly ProjectionOp[]): Entry {
  return { id, requests: ops.flatMap((op) => (op.k === 'request' ? [requestKey(op.day, op.user, op.id)] : [])) };
}

/** The writes the taken rows hold, read back from the journal in id order. */
export async function takenOps(c: SqlConn, taken: readonly Entry[]): Promise<ProjectionOp[]> {
  if (taken.length === 0) return [];
  const rows = await c.all<{ body: Body }>('SELECT body FROM journal WHERE id >= ? AND id <= ? ORDER BY id', [taken[0]!.id, taken[taken.length - 1]!.id]);
  return rows.flatMap((r) => decode(r.body));
}

/** A row's body: JSON text, or the same deflated (written by the writer thread, journal-writer.ts). */
type Body = string | Buffer;

function decode(body: Body): ProjectionOp[] {
  return JSON.parse(typeof body === 'string' ? body : inflateRawSync(body).toString('utf8')) as ProjectionOp[];
}

/** Rows of `n` placeholders each, `rows` times. */
const values = (rows: number, n: number) => Array.from({ length: rows }, () => `(${Array.from({ length: n }, () => '?').join(', ')})`).join(', ');

async function insertRows(c: SqlConn, head: string, tail: string, rows: readonly SqlValue[][]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) {
    const part = rows.slice(i, i + CHUNK);
    await c.run(`${head} VALUES ${values(part.length, part[0]!.length)}${tail}`, part.flat());
  }
}

/** `UPDATE users SET <set>` from rows (user, values...) named v.column1, v.column2, ... */
async function updateUsers(c: SqlConn, set: string, rows: readonly SqlValue[][]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) {
    const part = rows.slice(i, i + CHUNK);
    await c.run(`UPDATE users SET ${set} FROM (VALUES ${values(part.length, part[0]!.length)}) AS v WHERE users.user_id = v.column1`, part.flat());
  }
}

/**
 * Writes `ops` to their tables, a few multi-row statements for all of them, and deletes the
 * journal rows up to `upTo` (those they came from) in the same transaction.
 */
export async function applyOps(c: SqlConn, ops: readonly ProjectionOp[], upTo: number | null): Promise<void> {
  const messages: SqlValue[][] = [], conversations: SqlValue[][] = [], events: SqlValue[][] = [], refs: SqlValue[][] = [], requests: SqlValue[][] = [];
  const invitations: SqlValue[][] = [], parts: SqlValue[][] = [];
  const seqs = new Map<string, number>(), bytes = new Map<string, [number, number]>();
  for (const op of ops) {
    switch (op.k) {
      case 'message': messages.push([op.id, op.conv, op.from, op.to, op.time, op.payload]); break;
      case 'conversations': for (const [u, conv, delta] of op.rows) conversations.push([u, conv, delta, op.id, op.time]); break;
      case 'events':
        events.push(...op.events);
        refs.push(...op.refs);
        for (const [u, seq] of op.refs) seqs.set(u, Math.max(seqs.get(u) ?? 0, seq));
        break;
      case 'request': requests.push([op.day, op.user, op.id, op.response]); break;
      case 'invitation':
        invitations.push([op.id, op.inviter, op.group, op.open, op.deadline, op.created, op.body, op.stranger]);
        for (const [u, state] of op.parts) parts.push([op.id, u, state]);
        break;
      case 'bytes': bytes.set(op.user, [op.day, op.total]); break;
    }
  }
  // Several writes of one invitation in one statement are applied in turn: the last wins.
  await insertRows(c, 'INSERT INTO invitations (invite_id, inviter, group_id, is_open, deadline, created_at, body, from_stranger)',
    ' ON CONFLICT (invite_id) DO UPDATE SET is_open = excluded.is_open, body = excluded.body', invitations);
  await insertRows(c, 'INSERT INTO invitation_parts (invite_id, user_id, state)', ' ON CONFLICT (invite_id, user_id) DO UPDATE SET state = excluded.state', parts);
  await updateUsers(c, 'last_seq = MAX(users.last_seq, v.column2)', [...seqs].map(([u, seq]) => [u, seq]));
  await updateUsers(c, 'stored_day = v.column2, stored_bytes = v.column3', [...bytes].map(([u, [day, total]]) => [u, day, total]));
  await insertRows(c, 'INSERT INTO messages (id, conv_key, sender, target, time, payload)', '', messages);
  // Sorted so the rows of one user and conversation are neighbours; several rows for one
  // key in one statement each add their unread count (SQLite applies them in turn).
  conversations.sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : 0));
  await insertRows(c, 'INSERT INTO conversations (user_id, conversation_id, unread, last_message_id, updated_at)', `
    ON CONFLICT (user_id, conversation_id) DO UPDATE SET unread = conversations.unread + excluded.unread,
      last_message_id = CASE WHEN excluded.last_message_id > conversations.last_message_id THEN excluded.last_message_id ELSE conversations.last_message_id END,
      updated_at = CASE WHEN excluded.last_message_id > conversations.last_message_id THEN excluded.updated_at ELSE conversations.updated_at END`, conversations);
  await insertRows(c, 'INSERT INTO events (id, invite_id, deadline, frame, created_at)', '', events);
  await insertRows(c, 'INSERT INTO user_event_refs (user_id, seq, event_id)', '', refs);
  await insertRows(c, 'INSERT INTO requests (day, user_id, request_id, response)', ' ON CONFLICT (day, user_id, request_id) DO NOTHING', requests);
  if (upTo !== null) await c.run('DELETE FROM journal WHERE id <= ?', [upTo]);
}
