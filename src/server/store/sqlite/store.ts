/**
 * The SQLite store: the shared queries (sql-store.ts) with the hot path of every transition
 * written once to the journal (journal.ts) instead of to seven tables. History messages,
 * conversation bumps, stored events with their references, request records, invitations
 * and their parts, users' last seqs and stored-bytes counters are journaled with the
 * transaction and applied behind it in batches. What a transition reads of them is held in
 * memory (hot-state.ts: open invitations, last seqs, byte counters, known users), so its
 * only write is the journal row. A read of the other projected tables first applies what
 * is queued, in its own transaction, so everyone reads their own writes (history,
 * conversations, catch-up at login, a retried request).
 */
import type { SqlConn } from '../driver.ts';
import { migrate } from '../migrations.ts';
import { CHUNK, DAY_MS, EVENT_ROW_BYTES, placeholders, REF_ROW_BYTES, SqlTx } from '../sql-store.ts';
import type { Invitation } from '../../model/invitation.ts';
import type { ConversationBump, ConversationRow, NewEvent, PendingLoad, Store, StoredEvent, StoredMessage, StoreTx } from '../types.ts';
import type { LoginReads } from '../login-reads.ts';
import { TxLoginReads } from '../tx-login-reads.ts';
import { NeedsWriter, type SqliteDriver } from './driver.ts';
import { HotState, type Undo } from './hot-state.ts';
import { applyOps, Journal, takenOps, type Entry, type ProjectionOp } from './journal.ts';

/** Queued journal rows past which the next finished transaction schedules a catch-up. */
const CATCH_UP_AT = 64;
/** An idle store applies what is queued this long after the last write. */
const CATCH_UP_IDLE_MS = 50;

export class SqliteStore implements Store {
  readonly dialect = 'sqlite' as const;
  readonly login: LoginReads = new TxLoginReads(this);
  readonly #driver: SqliteDriver;
  readonly #journal = new Journal();
  readonly #hot = new HotState();
  #catchUpQueued = false;
  #idle: ReturnType<typeof setTimeout> | null = null;

  private constructor(driver: SqliteDriver) {
    this.#driver = driver;
    driver.onCommitFailed(() => this.#journal.invalidate());
  }

  /** Opens the store, brings its schema up to date and applies what the journal holds. */
  static async open(driver: SqliteDriver): Promise<SqliteStore> {
    await migrate(driver);
    const store = new SqliteStore(driver);
    await store.catchUp();
    return store;
  }

  write<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.#run('write', fn);
  }

  read<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.#run('read', fn);
  }

  /** Applies every queued journal row now (tests; close). */
  catchUp(): Promise<void> {
    return this.#run('write', (tx) => (tx as SqliteTx).catchUp(), true);
  }

  async close(): Promise<void> {
    if (this.#idle) clearTimeout(this.#idle);
    this.#idle = null;
    await this.catchUp().catch(() => undefined);
    await this.#driver.close();
  }

  async #run<T>(mode: 'write' | 'read', fn: (tx: StoreTx) => Promise<T>, general = false): Promise<T> {
    const value = await this.#driver.transaction(mode, async (c) => {
      const tail = await this.#journal.load(c);
      if (tail) {
        try {
          await this.#hot.load(c, tail);
        } catch (err) {
          this.#journal.invalidate();
          throw err;
        }
      }
      const tx = new SqliteTx(c, this.#driver, mode === 'write', this.#journal, this.#hot);
      try {
        const v = await fn(tx);
        // A write met in a journal group, even one the body caught: undone, run again (driver.ts).
        if (this.#driver.wantsWriter) throw new NeedsWriter();
        await tx.finish();
        return v;
      } catch (err) {
        tx.abandon();
        throw err;
      }
    }, general);
    this.#schedule();
    return value;
  }

  /** Applies the queue behind the writes: at once past CATCH_UP_AT rows, or once the store is idle. */
  #schedule(): void {
    const backlog = this.#journal.backlog;
    if (backlog === 0 || this.#catchUpQueued) return;
    if (backlog >= CATCH_UP_AT) {
      this.#catchUpQueued = true;
      if (this.#idle) clearTimeout(this.#idle);
      this.#idle = null;
      void this.catchUp().catch(() => undefined).finally(() => { this.#catchUpQueued = false; });
      return;
    }
    if (this.#idle) return;
    this.#idle = setTimeout(() => {
      this.#idle = null;
      this.#catchUpQueued = true;
      void this.catchUp().catch(() => undefined).finally(() => { this.#catchUpQueued = false; });
    }, CATCH_UP_IDLE_MS);
    this.#idle.unref();
  }
}

/** One transaction: the projected tables' writes are journaled, their reads catch up first or come from memory. */
class SqliteTx extends SqlTx {
  readonly #journal: Journal;
  readonly #hot: HotState;
  /** This transaction's writes to projected tables, not yet applied or journaled. */
  #ops: ProjectionOp[] = [];
  /** Queued rows this transaction applied (handed back if it rolls back). */
  #taken: Entry[] = [];
  /** How to undo this transaction's changes to the hot state, oldest first. */
  readonly #undo: Undo = [];
  /** Invitations this transaction wrote whose writes are not in a journal row or table yet. */
  readonly #invitations = new Set<string>();

  readonly #driver: SqliteDriver;

  constructor(c: SqlConn, d: SqliteDriver, write: boolean, journal: Journal, hot: HotState) {
    super(c, d, write);
    this.#driver = d;
    this.#journal = journal;
    this.#hot = hot;
  }

  /** Applies every queued row and this transaction's own writes so far, in this transaction. */
  async catchUp(): Promise<void> {
    if (this.#journal.backlog === 0 && this.#ops.length === 0) return;
    // It writes: in a journal group the request runs again in a write group (driver.ts).
    this.#driver.requireWriter();
    const taken = this.#journal.take();
    this.#taken.push(...taken);
    const ops = [...(await takenOps(this.c, taken)), ...this.#ops];
    this.#ops = [];
    if (ops.length === 0) return;
    const upTo = taken.length > 0 ? taken[taken.length - 1]!.id : null;
    await applyOps(this.c, ops, upTo);
    // The tables now hold these invitations' writes: closed ones need not be held any more.
    this.#hot.written(this.#invitations, 0);
    this.#invitations.clear();
    this.#hot.applied(upTo ?? 0, this.#undo);
  }

  /** The transaction's body succeeded: its remaining writes become one journal row. */
  async finish(): Promise<void> {
    if (this.#ops.length === 0) return;
    const ops = this.#ops;
    this.#ops = [];
    const row = await this.#journal.append(ops, (id, body) => this.#driver.appendJournal(this.c, id, body));
    this.#hot.written(this.#invitations, row);
    this.#invitations.clear();
  }

  /** The transaction rolls back: what it took from the queue is queued again, its changes to memory undone. */
  abandon(): void {
    this.#ops = [];
    this.#journal.restore(this.#taken);
    this.#taken = [];
    for (let i = this.#undo.length - 1; i >= 0; i--) this.#undo[i]!();
    this.#undo.length = 0;
    this.#invitations.clear();
  }

  // ---- journaled writes
  override async insertMessage(m: Omit<StoredMessage, 'id'>): Promise<number> {
    const payload = JSON.stringify(m.payload);
    this.stored += Buffer.byteLength(payload) + EVENT_ROW_BYTES;
    const id = this.#journal.nextMessageID();
    this.#ops.push({ k: 'message', id, conv: m.convKey, from: m.from, to: m.to, time: m.time, payload });
    return id;
  }

  override async bumpConversations(rows: readonly ConversationBump[], messageID: number, time: number): Promise<void> {
    if (rows.length === 0) return;
    this.#ops.push({ k: 'conversations', id: messageID, time, rows: rows.map((r) => [r.userID, r.conversationID, r.unreadDelta]) });
  }

  override async appendEvents(events: readonly NewEvent[], now: number): Promise<Map<string, number>> {
    const seqs = await this.allocateSeqs(events);
    const rows: Array<[number, string | null, number | null, string, number]> = [];
    const refs: Array<[string, number, number]> = [];
    // Each distinct event once; recipients of the same frame share it (as sql-store.ts).
    const ids = new Map<string, Map<string, number>>();
    for (const e of events) {
      const seq = seqs.get(e.userID);
      if (seq === undefined) continue;
      let byMeta = ids.get(e.frame);
      if (byMeta === undefined) ids.set(e.frame, (byMeta = new Map()));
      const key = `${e.inviteID ?? ''}\u0000${e.deadline ?? ''}`;
      let id = byMeta.get(key);
      if (id === undefined) {
        id = this.#journal.nextEventID();
        byMeta.set(key, id);
        rows.push([id, e.inviteID, e.deadline, e.frame, now]);
        this.stored += Buffer.byteLength(e.frame) + EVENT_ROW_BYTES;
      }
      refs.push([e.userID, seq, id]);
    }
    this.stored += refs.length * REF_ROW_BYTES;
    if (rows.length > 0) this.#ops.push({ k: 'events', events: rows, refs });
    return seqs;
  }

  /** Next seqs from memory; a user not held yet is read once (unknown users get none). users.last_seq is projected from the events' references. */
  protected override async allocateSeqs(events: readonly NewEvent[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const users = [...new Set(events.map((e) => e.userID))];
    await this.#holdSeqs(users.filter((u) => this.#hot.lastSeq(u) === undefined));
    for (const u of users) {
      const last = this.#hot.lastSeq(u);
      if (last === undefined) continue;
      this.#hot.setSeq(u, last + 1, this.#undo);
      out.set(u, last + 1);
    }
    return out;
  }

  /** Reads the last seqs of users not held into memory (the table's are current for them). */
  async #holdSeqs(users: readonly string[]): Promise<void> {
    for (let i = 0; i < users.length; i += CHUNK) {
      const part = users.slice(i, i + CHUNK);
      const rows = await this.c.all<{ user_id: string; last_seq: number }>(`SELECT user_id, last_seq FROM users WHERE user_id IN (${placeholders(part.length)})`, part);
      for (const r of rows) this.#hot.setSeq(r.user_id, Number(r.last_seq), this.#undo);
    }
  }

  override async currentSeq(userID: string): Promise<number> {
    return this.#hot.lastSeq(userID) ?? super.currentSeq(userID);
  }

  override async chargeStoredBytes(userID: string, bytes: number, day: number): Promise<number> {
    let held = this.#hot.storedBytes(userID);
    if (!held) {
      const row = await this.c.get<{ stored_bytes: number; stored_day: number }>('SELECT stored_bytes, stored_day FROM users WHERE user_id = ?', [userID]);
      if (!row) return bytes;
      held = { day: Number(row.stored_day), total: Number(row.stored_bytes) };
    }
    const total = held.day === day ? held.total + bytes : bytes;
    this.#hot.setStoredBytes(userID, day, total, this.#undo);
    this.#ops.push({ k: 'bytes', user: userID, day, total });
    return total;
  }

  override async ensureUser(userID: string, now: number): Promise<void> {
    // A known user needs no write (a login then stays in a journal group: driver.ts).
    if (this.#hot.known([userID]).unknown.length === 0) return;
    if ((await super.existingUsers([userID])).size === 0) await super.ensureUser(userID, now);
    this.#hot.remember([userID], this.#undo);
  }

  override async existingUsers(userIDs: readonly string[]): Promise<Set<string>> {
    const { found, unknown } = this.#hot.known(userIDs);
    if (unknown.length === 0) return new Set(found);
    const read = await super.existingUsers(unknown);
    this.#hot.remember([...read], this.#undo);
    return new Set([...found, ...read]);
  }

  override async insertInvitation(inv: Invitation, fromStranger = false): Promise<void> {
    const h = this.#hot.write(inv, fromStranger, this.#undo);
    this.stored += Buffer.byteLength(h.body) + inv.inviteeList.length * REF_ROW_BYTES;
    this.#invitations.add(inv.inviteID);
    this.#ops.push({
      k: 'invitation', id: inv.inviteID, inviter: inv.inviter, group: inv.groupID, open: h.open ? 1 : 0, deadline: inv.deadline,
      created: inv.createdAt, body: h.body, stranger: fromStranger ? 1 : 0, parts: inv.inviteeList.map((u) => [u, inv.parts[u] ?? 'pending']),
    });
  }

  override async updateInvitation(before: Invitation, after: Invitation): Promise<void> {
    const h = this.#hot.write(after, null, this.#undo);
    this.#invitations.add(after.inviteID);
    const parts: Array<[string, string]> = [];
    for (const u of after.inviteeList) {
      const state = after.parts[u];
      if (state !== undefined && state !== before.parts[u]) parts.push([u, state]);
    }
    this.#ops.push({
      k: 'invitation', id: after.inviteID, inviter: after.inviter, group: after.groupID, open: h.open ? 1 : 0, deadline: after.deadline,
      created: after.createdAt, body: h.body, stranger: h.stranger ? 1 : 0, parts,
    });
  }

  // ---- invitation reads: open ones (and unapplied writes) are held in memory
  override async getInvitation(inviteID: string, lock: boolean): Promise<Invitation | null> {
    return this.#hot.invitation(inviteID) ?? super.getInvitation(inviteID, lock);
  }
  // Lists (a login's catch-up, getPendingInvitations, a member leaving) apply the journal
  // first: what they return is read from the file, and memory keeps no invitation's data
  // past it (a session's catch-up must not stay in the heap: session-memory.test.ts).
  override async openInvitationsOf(userID: string, limit: number): Promise<Invitation[]> {
    let list = this.#hot.openInvitationsOf(userID, limit);
    if (list.some((x) => typeof x !== 'string')) {
      await this.catchUp();
      list = this.#hot.openInvitationsOf(userID, limit);
    }
    return this.#fill(list);
  }
  override async pendingLoad(inviter: string, invitees: readonly string[], now: number): Promise<PendingLoad> {
    return this.#hot.pendingLoad(inviter, invitees, now);
  }
  override async openInvitationsInGroup(groupID: string): Promise<Invitation[]> {
    let list = this.#hot.openInvitationsInGroup(groupID);
    if (list.some((x) => typeof x !== 'string')) {
      await this.catchUp();
      list = this.#hot.openInvitationsInGroup(groupID);
    }
    return this.#fill(list);
  }

  /** Reads from the file the invitations memory names by ID only (their data is not kept in memory), in order. */
  async #fill(list: Array<Invitation | string>): Promise<Invitation[]> {
    const ids = list.filter((x): x is string => typeof x === 'string');
    const bodies = new Map<string, Invitation>();
    for (let i = 0; i < ids.length; i += CHUNK) {
      const part = ids.slice(i, i + CHUNK);
      for (const r of await this.c.all<{ invite_id: string; body: string }>(`SELECT invite_id, body FROM invitations WHERE invite_id IN (${placeholders(part.length)})`, part)) {
        bodies.set(r.invite_id, JSON.parse(r.body) as Invitation);
      }
    }
    return list.map((x) => {
      if (typeof x !== 'string') return x;
      const inv = bodies.get(x);
      if (!inv) throw new Error(`open invitation ${x} is neither held nor in the table`);
      return inv;
    });
  }
  override async dueInvitationIDs(now: number, limit: number): Promise<string[]> {
    return this.#hot.dueInvitationIDs(now, limit);
  }
  override async countOpenDeadlines(): Promise<number> {
    return this.#hot.countOpenDeadlines();
  }
  override async nextDeadline(): Promise<number | null> {
    return this.#hot.nextDeadline();
  }

  override async putRequestResult(userID: string, requestID: string, response: string, now: number): Promise<boolean> {
    const day = Math.floor(now / DAY_MS);
    // Taken when recorded today or yesterday: in the table, queued, or earlier in this transaction.
    for (const d of [day, day - 1]) {
      if (this.#journal.queuedRequest(d, userID, requestID)) return false;
      if (this.#ops.some((op) => op.k === 'request' && op.day === d && op.user === userID && op.id === requestID)) return false;
    }
    if (await this.c.get('SELECT 1 AS x FROM requests WHERE day IN (?, ?) AND user_id = ? AND request_id = ?', [day, day - 1, userID, requestID])) return false;
    this.#ops.push({ k: 'request', day, user: userID, id: requestID, response });
    return true;
  }
  // ---- reads of projected tables: applied first
  override async getRequestResult(userID: string, requestID: string, now: number): Promise<string | null> {
    await this.catchUp();
    return super.getRequestResult(userID, requestID, now);
  }
  override async eventsAfter(userID: string, seq: number, limit: number): Promise<StoredEvent[]> {
    await this.catchUp();
    return super.eventsAfter(userID, seq, limit);
  }
  override async listMessages(convKey: string, beforeID: number | null, count: number): Promise<StoredMessage[]> {
    await this.catchUp();
    return super.listMessages(convKey, beforeID, count);
  }
  override async getMessages(ids: readonly number[]): Promise<StoredMessage[]> {
    await this.catchUp();
    return super.getMessages(ids);
  }
  override async listConversations(userID: string): Promise<ConversationRow[]> {
    await this.catchUp();
    return super.listConversations(userID);
  }
  override async markRead(userID: string, conversationID: string): Promise<boolean> {
    await this.catchUp();
    return super.markRead(userID, conversationID);
  }
  override async removeMembers(groupID: string, userIDs: readonly string[], now: number): Promise<string[]> {
    // A former member's bound is the group's last message so far.
    await this.catchUp();
    return super.removeMembers(groupID, userIDs, now);
  }
  override async prune(eventsBefore: number, requestsBefore: number): Promise<void> {
    await this.catchUp();
    return super.prune(eventsBefore, requestsBefore);
  }
}
