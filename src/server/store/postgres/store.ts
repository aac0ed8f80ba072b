/**
 * The PostgreSQL store: the shared queries (sql-store.ts) with the hot path of every
 * invitation step folded into fewer round trips. A per-user event append (seq allocation,
 * stored events, per-recipient references) is one statement with CTEs instead of three
 * or more; an invitation's pending load is one statement instead of two; an invitation's
 * row updates go out without waiting (their only news is an error, reported at the next
 * statement or at COMMIT, see driver.ts). Everything else is the shared SqlTx.
 */
import type { Group, GroupMember } from '../../../protocol/im.ts';
import type { Invitation } from '../../model/invitation.ts';
import type { SqlValue } from '../driver.ts';
import { PENDING_LOCK, SqlStore } from '../sql-store.ts';
import type { AdminLogEntry, ConversationBump, ConversationRow, NewEvent, PendingLoad, Relation, Store, StoredEvent, StoredGroupInvitation, StoredMessage, StoreTx, UserRecord } from '../types.ts';
import type { LoginReads } from '../login-reads.ts';
import { PostgresDriver, type PgConn } from './driver.ts';
import { PgLoginReads } from './login-reads.ts';

/** What storedBytes charges beside the text (the same figures as sql-store.ts). */
const EVENT_ROW_BYTES = 64;
const REF_ROW_BYTES = 32;

/** A unique violation of the idempotency records' primary key (a request id seen before). */
function isDuplicateRequest(err: unknown): boolean {
  const e = err as { code?: unknown; constraint?: unknown };
  return e.code === '23505' && e.constraint === 'requests_pkey';
}

/** An array parameter (node-postgres sends a JS array as a PostgreSQL array). */
const arr = (values: readonly (string | number | null)[]) => values as unknown as SqlValue;

/**
 * Seqs, stored events and references of one append, in one statement. The users' rows
 * are locked in user order first (an UPDATE alone locks in scan order, which for a small
 * table is its physical order and changes as rows are rewritten); an event is
 * stored only when one of its recipients exists, and its id comes from the events
 * sequence before both inserts use it.
 */
const APPEND_EVENTS = `
WITH l AS (
  SELECT user_id FROM users WHERE user_id = ANY ($1::text[]) ORDER BY user_id FOR UPDATE
), s AS (
  UPDATE users SET last_seq = last_seq + 1 WHERE user_id IN (SELECT user_id FROM l) RETURNING user_id, last_seq
), u AS (
  SELECT user_id, k FROM unnest($1::text[], $2::int[]) AS t (user_id, k)
), d AS (
  SELECT k, f, i, dl FROM unnest($3::text[], $4::text[], $5::bigint[]) WITH ORDINALITY AS t (f, i, dl, k)
), live AS MATERIALIZED (
  SELECT d.k, nextval('events_id_seq'::regclass) AS id, d.f, d.i, d.dl FROM d
  WHERE EXISTS (SELECT 1 FROM u JOIN s ON s.user_id = u.user_id WHERE u.k = d.k)
), ins AS (
  INSERT INTO events (id, invite_id, deadline, frame, created_at) SELECT id, i, dl, f, $6 FROM live
), refs AS (
  INSERT INTO user_event_refs (user_id, seq, event_id)
  SELECT s.user_id, s.last_seq, live.id FROM s JOIN u ON u.user_id = s.user_id JOIN live ON live.k = u.k
)
SELECT user_id, last_seq FROM s`;

const PENDING_LOAD = `
SELECT NULL::text AS user_id, COUNT(*) AS total, 0 AS mine, 0 AS strangers FROM invitations
  WHERE inviter = $1 AND is_open = 1 AND (deadline IS NULL OR deadline > $2)
UNION ALL
SELECT p.user_id, COUNT(*) AS total, SUM(CASE WHEN i.inviter = $1 THEN 1 ELSE 0 END) AS mine, SUM(i.from_stranger) AS strangers
  FROM invitation_parts p JOIN invitations i ON i.invite_id = p.invite_id
  WHERE p.user_id = ANY ($3::text[]) AND p.state = 'pending' AND i.is_open = 1 AND (i.deadline IS NULL OR i.deadline > $2)
  GROUP BY p.user_id`;

export class PostgresStore implements Store {
  readonly dialect = 'postgres' as const;
  readonly login: LoginReads;
  readonly #inner: SqlStore;
  readonly #driver: PostgresDriver;

  private constructor(inner: SqlStore, driver: PostgresDriver) {
    this.#inner = inner;
    this.#driver = driver;
    this.login = new PgLoginReads(driver);
  }

  static async open(driver: PostgresDriver): Promise<PostgresStore> {
    return new PostgresStore(await SqlStore.open(driver), driver);
  }

  async write<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    try {
      return await this.#inner.write((tx) => fn(new PgTx(tx, this.#driver.takeConn(), false, true)));
    } catch (err) {
      if (!isDuplicateRequest(err)) throw err;
      // The request id was recorded already (a retry): the optimistic record failed, so
      // nothing of this attempt was committed. Run it again with the checked record, which
      // tells the caller it is a retry (putRequestResult → false) as the shared store does.
      return this.#inner.write((tx) => fn(new PgTx(tx, this.#driver.takeConn(), true, true)));
    }
  }

  read<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.#inner.read((tx) => fn(new PgTx(tx, this.#driver.takeConn(), true, false)));
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}

/** The shared transaction, with the hot-path methods replaced. */
class PgTx implements StoreTx {
  readonly #t: StoreTx;
  readonly #c: PgConn;
  /** putRequestResult asks whether the id is new (false: it assumes so, see there). */
  readonly #checkedRequests: boolean;
  /** A write transaction (row locks are taken only there). */
  readonly #write: boolean;
  #storedBytes = 0;

  constructor(inner: StoreTx, conn: PgConn, checkedRequests: boolean, write: boolean) {
    this.#t = inner;
    this.#c = conn;
    this.#checkedRequests = checkedRequests;
    this.#write = write;
  }

  /**
   * The idempotency record is the last write of a request, and a first attempt is the
   * common case: it is sent as a plain INSERT without waiting, so it reaches the server with
   * COMMIT in one round trip. A retry's id violates the primary key, which aborts the
   * transaction (COMMIT rolls back) and PostgresStore.write runs it again checked.
   */
  async putRequestResult(userID: string, requestID: string, response: string, now: number): Promise<boolean> {
    if (this.#checkedRequests) return this.#t.putRequestResult(userID, requestID, response, now);
    this.#c.send('INSERT INTO requests (user_id, request_id, response, created_at) VALUES (?, ?, ?, ?)', [userID, requestID, response, now]);
    return true;
  }

  // ---- replaced
  async pendingLoad(inviter: string, invitees: readonly string[], now: number): Promise<PendingLoad> {
    // As the shared statements do (sql-store.ts PENDING_LOCK), sent without waiting: the
    // count below runs after it on this connection, so its snapshot follows the locks (one
    // statement would count from a snapshot taken before the wait).
    if (this.#write) this.#c.send(PENDING_LOCK, [arr([inviter, ...invitees])]);
    const rows = await this.#c.all<{ user_id: string | null; total: number | string; mine: number | string | null; strangers: number | string | null }>(PENDING_LOAD, [inviter, now, arr(invitees)]);
    let sent = 0;
    const toward: PendingLoad['toward'] = new Map();
    for (const r of rows) {
      if (r.user_id === null) sent = Number(r.total);
      else toward.set(r.user_id, { total: Number(r.total), fromInviter: Number(r.mine ?? 0), fromStrangers: Number(r.strangers ?? 0) });
    }
    return { sent, toward };
  }

  async updateInvitation(before: Invitation, after: Invitation): Promise<void> {
    this.#c.send('UPDATE invitations SET is_open = ?, body = ? WHERE invite_id = ?', [after.endReason === null ? 1 : 0, JSON.stringify(after), after.inviteID]);
    for (const userID of after.inviteeList) {
      const state = after.parts[userID];
      if (state !== undefined && state !== before.parts[userID]) {
        this.#c.send('UPDATE invitation_parts SET state = ? WHERE invite_id = ? AND user_id = ?', [state, after.inviteID, userID]);
      }
    }
  }

  async appendEvents(events: readonly NewEvent[], now: number): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (events.length === 0) return out;
    // One event per user (the interface's rule); users sorted, each pointing at its
    // distinct event (frame, inviteID, deadline), numbered from 1 as WITH ORDINALITY does.
    const sorted = [...events].sort((a, b) => (a.userID < b.userID ? -1 : a.userID > b.userID ? 1 : 0));
    const index = new Map<string, number>();
    const distinct: NewEvent[] = [];
    const users: string[] = [];
    const ks: number[] = [];
    for (const e of sorted) {
      if (users.length > 0 && users[users.length - 1] === e.userID) continue;
      const key = `${e.frame}\u0000${e.inviteID ?? ''}\u0000${e.deadline ?? ''}`;
      let k = index.get(key);
      if (k === undefined) {
        distinct.push(e);
        k = distinct.length;
        index.set(key, k);
      }
      users.push(e.userID);
      ks.push(k);
    }
    const rows = await this.#c.all<{ user_id: string; last_seq: number | string }>(APPEND_EVENTS, [
      arr(users), arr(ks), arr(distinct.map((e) => e.frame)), arr(distinct.map((e) => e.inviteID)), arr(distinct.map((e) => e.deadline)), now,
    ]);
    const kOf = new Map(users.map((u, i) => [u, ks[i]!]));
    const stored = new Set<number>();
    for (const r of rows) {
      out.set(r.user_id, Number(r.last_seq));
      stored.add(kOf.get(r.user_id)!);
    }
    for (const k of stored) this.#storedBytes += Buffer.byteLength(distinct[k - 1]!.frame) + EVENT_ROW_BYTES;
    this.#storedBytes += out.size * REF_ROW_BYTES;
    return out;
  }

  storedBytes(): number {
    return this.#t.storedBytes() + this.#storedBytes;
  }

  // ---- shared
  ensureUser(userID: string, now: number): Promise<void> { return this.#t.ensureUser(userID, now); }
  existingUsers(userIDs: readonly string[]): Promise<Set<string>> { return this.#t.existingUsers(userIDs); }
  createUserWithPassword(userID: string, passwordHash: string, now: number): Promise<boolean> { return this.#t.createUserWithPassword(userID, passwordHash, now); }
  getPasswordHash(userID: string): Promise<string | null> { return this.#t.getPasswordHash(userID); }
  setPasswordHash(userID: string, passwordHash: string): Promise<boolean> { return this.#t.setPasswordHash(userID, passwordHash); }
  tokenGeneration(userID: string): Promise<number> { return this.#t.tokenGeneration(userID); }
  bumpTokenGeneration(userID: string): Promise<number> { return this.#t.bumpTokenGeneration(userID); }
  revokeToken(tokenID: string, userID: string, expiresAt: number): Promise<void> { return this.#t.revokeToken(tokenID, userID, expiresAt); }
  isTokenRevoked(tokenID: string): Promise<boolean> { return this.#t.isTokenRevoked(tokenID); }
  pruneRevokedTokens(now: number): Promise<void> { return this.#t.pruneRevokedTokens(now); }
  insertInvitation(inv: Invitation, fromStranger?: boolean): Promise<void> { return this.#t.insertInvitation(inv, fromStranger); }
  getInvitation(inviteID: string, lock: boolean): Promise<Invitation | null> { return this.#t.getInvitation(inviteID, lock); }
  openInvitationsOf(userID: string, limit: number): Promise<Invitation[]> { return this.#t.openInvitationsOf(userID, limit); }
  openInvitationsInGroup(groupID: string): Promise<Invitation[]> { return this.#t.openInvitationsInGroup(groupID); }
  dueInvitationIDs(now: number, limit: number): Promise<string[]> { return this.#t.dueInvitationIDs(now, limit); }
  countOpenDeadlines(): Promise<number> { return this.#t.countOpenDeadlines(); }
  nextDeadline(): Promise<number | null> { return this.#t.nextDeadline(); }
  insertGroup(group: Group, now: number): Promise<boolean> { return this.#t.insertGroup(group, now); }
  getGroup(groupID: string): Promise<Group | null> { return this.#t.getGroup(groupID); }
  setGroupOwner(groupID: string, ownerID: string): Promise<void> { return this.#t.setGroupOwner(groupID, ownerID); }
  dismissGroup(groupID: string, now: number): Promise<void> { return this.#t.dismissGroup(groupID, now); }
  groupMembers(groupID: string): Promise<GroupMember[]> { return this.#t.groupMembers(groupID); }
  isMember(groupID: string, userID: string): Promise<boolean> { return this.#t.isMember(groupID, userID); }
  memberCount(groupID: string): Promise<number> { return this.#t.memberCount(groupID); }
  groupCounts(userIDs: readonly string[]): Promise<Map<string, number>> { return this.#t.groupCounts(userIDs); }
  addMembers(groupID: string, members: readonly GroupMember[], now: number): Promise<string[]> { return this.#t.addMembers(groupID, members, now); }
  removeMembers(groupID: string, userIDs: readonly string[], now: number): Promise<string[]> { return this.#t.removeMembers(groupID, userIDs, now); }
  formerMemberBound(groupID: string, userID: string): Promise<number | null> { return this.#t.formerMemberBound(groupID, userID); }
  groupsOf(userID: string): Promise<Group[]> { return this.#t.groupsOf(userID); }
  standing(userID: string, other: string): Promise<{ blocks: boolean; knows: boolean }> { return this.#t.standing(userID, other); }
  markLeft(groupID: string, userID: string, now: number): Promise<void> { return this.#t.markLeft(groupID, userID, now); }
  leftByChoice(groupID: string, userIDs: readonly string[]): Promise<Set<string>> { return this.#t.leftByChoice(groupID, userIDs); }
  groupInvitationCounts(userIDs: readonly string[]): Promise<Map<string, number>> { return this.#t.groupInvitationCounts(userIDs); }
  addGroupInvitation(userID: string, groupID: string, inviter: string, now: number): Promise<boolean> { return this.#t.addGroupInvitation(userID, groupID, inviter, now); }
  groupInvitationsOf(userID: string): Promise<StoredGroupInvitation[]> { return this.#t.groupInvitationsOf(userID); }
  takeGroupInvitation(userID: string, groupID: string): Promise<boolean> { return this.#t.takeGroupInvitation(userID, groupID); }
  dropGroupInvitationsFrom(userID: string, inviters: readonly string[]): Promise<void> { return this.#t.dropGroupInvitationsFrom(userID, inviters); }
  lockUser(userID: string): Promise<void> { return this.#t.lockUser(userID); }
  relationList(kind: Relation, userID: string): Promise<string[]> { return this.#t.relationList(kind, userID); }
  relationCount(kind: Relation, userID: string): Promise<number> { return this.#t.relationCount(kind, userID); }
  addRelation(kind: Relation, userID: string, others: readonly string[], now: number): Promise<string[]> { return this.#t.addRelation(kind, userID, others, now); }
  removeRelation(kind: Relation, userID: string, others: readonly string[]): Promise<string[]> { return this.#t.removeRelation(kind, userID, others); }
  whoListed(kind: Relation, subject: string, userIDs: readonly string[]): Promise<Set<string>> { return this.#t.whoListed(kind, subject, userIDs); }
  insertMessage(m: Omit<StoredMessage, 'id'>): Promise<number> { return this.#t.insertMessage(m); }
  bumpConversations(rows: readonly ConversationBump[], messageID: number, time: number): Promise<void> { return this.#t.bumpConversations(rows, messageID, time); }
  listMessages(convKey: string, beforeID: number | null, count: number): Promise<StoredMessage[]> { return this.#t.listMessages(convKey, beforeID, count); }
  getMessages(ids: readonly number[]): Promise<StoredMessage[]> { return this.#t.getMessages(ids); }
  listConversations(userID: string): Promise<ConversationRow[]> { return this.#t.listConversations(userID); }
  markRead(userID: string, conversationID: string): Promise<boolean> { return this.#t.markRead(userID, conversationID); }
  currentSeq(userID: string): Promise<number> { return this.#t.currentSeq(userID); }
  eventsAfter(userID: string, seq: number, limit: number): Promise<StoredEvent[]> { return this.#t.eventsAfter(userID, seq, limit); }
  chargeStoredBytes(userID: string, bytes: number, day: number): Promise<number> { return this.#t.chargeStoredBytes(userID, bytes, day); }
  getRequestResult(userID: string, requestID: string, now: number): Promise<string | null> { return this.#t.getRequestResult(userID, requestID, now); }
  prune(eventsBefore: number, requestsBefore: number): Promise<void> { return this.#t.prune(eventsBefore, requestsBefore); }
  getUser(userID: string): Promise<UserRecord | null> { return this.#t.getUser(userID); }
  listUsers(afterID: string | null, limit: number): Promise<UserRecord[]> { return this.#t.listUsers(afterID, limit); }
  setDisabled(userID: string, at: number | null): Promise<boolean> { return this.#t.setDisabled(userID, at); }
  markDeleted(userID: string, at: number): Promise<void> { return this.#t.markDeleted(userID, at); }
  appendAdminLog(entry: AdminLogEntry): Promise<number> { return this.#t.appendAdminLog(entry); }
  adminLogAfter(afterID: number, limit: number): Promise<(AdminLogEntry & { id: number })[]> { return this.#t.adminLogAfter(afterID, limit); }
  lastAdminLogID(): Promise<number> { return this.#t.lastAdminLogID(); }
}
