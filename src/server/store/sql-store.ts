/**
 * The store's queries, written once for both SQL backends (see driver.ts).
 */
import type { Group, GroupMember, GroupType } from '../../protocol/im.ts';
import { groupKey } from '../model/conversation-keys.ts';
import type { Invitation } from '../model/invitation.ts';
import { DISABLED_GENERATION } from '../model/revocation.ts';
import type { SqlConn, SqlDriver, SqlValue } from './driver.ts';
import type { LoginReads } from './login-reads.ts';
import { TxLoginReads } from './tx-login-reads.ts';
import { migrate } from './migrations.ts';
import type { AdminLogEntry, ConversationBump, EventSeqs, ConversationRow, NewEvent, PendingLoad, Relation, Store, StoredEvent, StoredGroupInvitation, StoredMessage, StoreTx, UserRecord } from './types.ts';

/** A Store over any SqlDriver. */
export class SqlStore implements Store {
  readonly dialect: SqlDriver['dialect'];
  readonly login: LoginReads = new TxLoginReads(this);
  readonly #driver: SqlDriver;

  private constructor(driver: SqlDriver) {
    this.#driver = driver;
    this.dialect = driver.dialect;
  }

  /** Opens the store and brings its schema up to date. */
  static async open(driver: SqlDriver): Promise<SqlStore> {
    await migrate(driver);
    return new SqlStore(driver);
  }

  write<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.#driver.transaction('write', (c) => fn(new SqlTx(c, this.#driver, true)));
  }

  read<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.#driver.transaction('read', (c) => fn(new SqlTx(c, this.#driver, false)));
  }

  close(): Promise<void> {
    return this.#driver.close();
  }
}

interface InvitationRow { body: string }
interface GroupRow { group_id: string; name: string; type: string; owner_id: string }
interface MessageRow { id: number; conv_key: string; sender: string; target: string; time: number; payload: string }

/**
 * PostgreSQL: makes an invitation's pending-load count and its insert one step across
 * nodes. A transaction-scoped advisory lock per involved user (inviter and invitees), taken
 * in key order so crossing invitations cannot deadlock, and taken only here, so it orders
 * invitations among themselves without joining the row-lock order of other requests
 * (user rows locked here would be taken before conversation rows, where answers take them
 * after: a deadlock). A concurrent invitation touching any of these users waits until this
 * one commits; the counts after this statement then see it (READ COMMITTED: each statement
 * takes a fresh snapshot). Parameter: the user IDs as one text array.
 */
export const PENDING_LOCK = `SELECT pg_advisory_xact_lock(${0x50454e44}, k)
  FROM (SELECT DISTINCT hashtext(u) AS k FROM unnest(?::text[]) AS u ORDER BY k) AS keys`;

/**
 * PostgreSQL: makes a user's group count and the membership insert that follows one step
 * across nodes, as PENDING_LOCK does for invitations (its own key space, the same order,
 * and taken before any row lock of its transaction: nothing that holds a row lock waits
 * for it). Two transactions adding one user to different groups count one after the
 * other. Parameter: the user IDs as one text array.
 */
export const GROUPS_LOCK = `SELECT pg_advisory_xact_lock(${0x47525053}, k)
  FROM (SELECT DISTINCT hashtext(u) AS k FROM unnest(?::text[]) AS u ORDER BY k) AS keys`;

/** The table and column of each one-way list (fixed strings: never from input). */
const RELATIONS: Record<Relation, { table: string; column: string }> = {
  contacts: { table: 'contacts', column: 'contact_id' },
  blocks: { table: 'blocks', column: 'blocked_id' },
};

export const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');
/** Rows per multi-row statement (well under both dialects' parameter limits). */
export const CHUNK = 100;
/** What storedBytes charges for a row beside its text: keys, ids and page overhead. */
export const EVENT_ROW_BYTES = 64;
/** A recipient's reference to a stored event (user, seq, event id), or an invitee row. */
export const REF_ROW_BYTES = 32;
/** Request ids are recorded by UTC day (migration 5). */
export const DAY_MS = 86_400_000;

/** The shared queries of one transaction; a dialect's store may replace its hot path (sqlite/store.ts). */
export class SqlTx implements StoreTx {
  protected readonly c: SqlConn;
  protected readonly d: SqlDriver;
  /** In a write transaction; row locks are only taken there (PostgreSQL refuses them in a read-only one). */
  protected readonly writable: boolean;
  /** Bytes this transaction has added (see storedBytes). */
  protected stored = 0;
  constructor(c: SqlConn, d: SqlDriver, write: boolean) {
    this.c = c;
    this.d = d;
    this.writable = write;
  }

  // ---- users
  async ensureUser(userID: string, now: number): Promise<void> {
    await this.c.run('INSERT INTO users (user_id, created_at) VALUES (?, ?) ON CONFLICT (user_id) DO NOTHING', [userID, now]);
  }
  async existingUsers(userIDs: readonly string[]): Promise<Set<string>> {
    if (userIDs.length === 0) return new Set();
    const rows = await this.c.all<{ user_id: string }>(`SELECT user_id FROM users WHERE user_id IN (${placeholders(userIDs.length)})`, userIDs);
    return new Set(rows.map((r) => r.user_id));
  }
  async createUserWithPassword(userID: string, passwordHash: string, now: number): Promise<boolean> {
    // Only a new user ID: an existing account, with or without a password, is never claimed
    // here (a first password is set by the signed-in account itself, setPasswordHash).
    return (await this.c.run('INSERT INTO users (user_id, created_at, password_hash) VALUES (?, ?, ?) ON CONFLICT (user_id) DO NOTHING', [userID, now, passwordHash])) === 1;
  }
  async getPasswordHash(userID: string): Promise<string | null> {
    const row = await this.c.get<{ password_hash: string | null }>('SELECT password_hash FROM users WHERE user_id = ? AND disabled_at IS NULL', [userID]);
    return row?.password_hash ?? null;
  }
  async setPasswordHash(userID: string, passwordHash: string): Promise<boolean> {
    return (await this.c.run('UPDATE users SET password_hash = ? WHERE user_id = ?', [passwordHash, userID])) === 1;
  }

  // ---- token revocation
  async tokenGeneration(userID: string): Promise<number> {
    const row = await this.c.get<{ token_gen: number; disabled_at: number | null }>('SELECT token_gen, disabled_at FROM users WHERE user_id = ?', [userID]);
    if (!row) return 0;
    return row.disabled_at === null ? Number(row.token_gen) : DISABLED_GENERATION;
  }
  async bumpTokenGeneration(userID: string): Promise<number> {
    const row = await this.c.get<{ token_gen: number }>('UPDATE users SET token_gen = token_gen + 1 WHERE user_id = ? RETURNING token_gen', [userID]);
    return row ? Number(row.token_gen) : 0;
  }
  async revokeToken(tokenID: string, userID: string, expiresAt: number): Promise<void> {
    await this.c.run('INSERT INTO revoked_tokens (token_id, user_id, expires_at) VALUES (?, ?, ?) ON CONFLICT (token_id) DO NOTHING', [tokenID, userID, expiresAt]);
  }
  async isTokenRevoked(tokenID: string): Promise<boolean> {
    return (await this.c.get('SELECT 1 AS x FROM revoked_tokens WHERE token_id = ?', [tokenID])) !== undefined;
  }
  async pruneRevokedTokens(now: number): Promise<void> {
    await this.c.run('DELETE FROM revoked_tokens WHERE expires_at < ?', [now]);
  }

  // ---- invitations
  async insertInvitation(inv: Invitation, fromStranger = false): Promise<void> {
    const body = JSON.stringify(inv);
    this.stored += Buffer.byteLength(body) + inv.inviteeList.length * REF_ROW_BYTES;
    await this.c.run(
      'INSERT INTO invitations (invite_id, inviter, group_id, is_open, deadline, created_at, body, from_stranger) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      [inv.inviteID, inv.inviter, inv.groupID, inv.endReason === null ? 1 : 0, inv.deadline, inv.createdAt, body, fromStranger ? 1 : 0],
    );
    for (const userID of inv.inviteeList) {
      await this.c.run('INSERT INTO invitation_parts (invite_id, user_id, state) VALUES (?, ?, ?)', [inv.inviteID, userID, inv.parts[userID] ?? 'pending']);
    }
  }
  async getInvitation(inviteID: string, lock: boolean): Promise<Invitation | null> {
    const row = await this.c.get<InvitationRow>(`SELECT body FROM invitations WHERE invite_id = ?${lock ? this.d.lockRows : ''}`, [inviteID]);
    return row ? (JSON.parse(row.body) as Invitation) : null;
  }
  async updateInvitation(before: Invitation, after: Invitation): Promise<void> {
    await this.c.run('UPDATE invitations SET is_open = ?, body = ? WHERE invite_id = ?', [after.endReason === null ? 1 : 0, JSON.stringify(after), after.inviteID]);
    for (const userID of after.inviteeList) {
      const state = after.parts[userID];
      if (state !== undefined && state !== before.parts[userID]) {
        await this.c.run('UPDATE invitation_parts SET state = ? WHERE invite_id = ? AND user_id = ?', [state, after.inviteID, userID]);
      }
    }
  }
  async openInvitationsOf(userID: string, limit: number): Promise<Invitation[]> {
    // The newest `limit`, returned oldest first; invite IDs are time-ordered (service.ts), so
    // invitations of the same millisecond keep the order they were made in.
    const rows = await this.c.all<InvitationRow>(
      `SELECT body FROM invitations WHERE is_open = 1 AND (inviter = ? OR invite_id IN
         (SELECT invite_id FROM invitation_parts WHERE user_id = ? AND state = 'pending'))
       ORDER BY created_at DESC, invite_id DESC LIMIT ?`,
      [userID, userID, limit],
    );
    return rows.reverse().map((r) => JSON.parse(r.body) as Invitation);
  }
  async pendingLoad(inviter: string, invitees: readonly string[], now: number): Promise<PendingLoad> {
    // The count and the insert that follows are one step (PENDING_LOCK; SQLite has one writer).
    if (this.writable && this.d.dialect === 'postgres') await this.c.all(PENDING_LOCK, [[inviter, ...invitees] as unknown as SqlValue]);
    const sent = await this.c.get<{ n: number }>('SELECT COUNT(*) AS n FROM invitations WHERE inviter = ? AND is_open = 1 AND (deadline IS NULL OR deadline > ?)', [inviter, now]);
    const toward: PendingLoad['toward'] = new Map();
    if (invitees.length > 0) {
      const rows = await this.c.all<{ user_id: string; total: number; mine: number; strangers: number }>(
        `SELECT p.user_id, COUNT(*) AS total, SUM(CASE WHEN i.inviter = ? THEN 1 ELSE 0 END) AS mine, SUM(i.from_stranger) AS strangers
           FROM invitation_parts p JOIN invitations i ON i.invite_id = p.invite_id
         WHERE p.user_id IN (${placeholders(invitees.length)}) AND p.state = 'pending' AND i.is_open = 1 AND (i.deadline IS NULL OR i.deadline > ?)
         GROUP BY p.user_id`,
        [inviter, ...invitees, now],
      );
      for (const r of rows) toward.set(r.user_id, { total: Number(r.total), fromInviter: Number(r.mine), fromStrangers: Number(r.strangers) });
    }
    return { sent: Number(sent?.n ?? 0), toward };
  }
  async openInvitationsInGroup(groupID: string): Promise<Invitation[]> {
    const rows = await this.c.all<InvitationRow>(`SELECT body FROM invitations WHERE is_open = 1 AND group_id = ? AND group_id <> '' ORDER BY created_at, invite_id${this.d.lockRows}`, [groupID]);
    return rows.map((r) => JSON.parse(r.body) as Invitation);
  }
  async dueInvitationIDs(now: number, limit: number): Promise<string[]> {
    const rows = await this.c.all<{ invite_id: string }>(
      `SELECT invite_id FROM invitations WHERE is_open = 1 AND deadline IS NOT NULL AND deadline <= ? ORDER BY deadline LIMIT ?${this.d.lockSkipLocked}`,
      [now, limit],
    );
    return rows.map((r) => r.invite_id);
  }
  async countOpenDeadlines(): Promise<number> {
    const row = await this.c.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM invitations WHERE is_open = 1 AND deadline IS NOT NULL');
    return Number(row?.n ?? 0);
  }
  async nextDeadline(): Promise<number | null> {
    const row = await this.c.get<{ d: number | null }>('SELECT MIN(deadline) AS d FROM invitations WHERE is_open = 1 AND deadline IS NOT NULL');
    return row?.d ?? null;
  }

  // ---- groups
  async insertGroup(group: Group, now: number): Promise<boolean> {
    const n = await this.c.run(
      'INSERT INTO chat_groups (group_id, name, type, owner_id, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (group_id) DO NOTHING',
      [group.groupID, group.name, group.type, group.ownerID, now],
    );
    return n === 1;
  }
  async getGroup(groupID: string): Promise<Group | null> {
    // Locked in write transactions: a group invite and a membership change of the same
    // group serialize on this row, so neither misses the other (several PostgreSQL nodes).
    const lock = this.writable ? this.d.lockRows : '';
    const row = await this.c.get<GroupRow>(`SELECT group_id, name, type, owner_id FROM chat_groups WHERE group_id = ? AND dismissed_at IS NULL${lock}`, [groupID]);
    return row ? toGroup(row) : null;
  }
  async setGroupOwner(groupID: string, ownerID: string): Promise<void> {
    await this.c.run('UPDATE chat_groups SET owner_id = ? WHERE group_id = ?', [ownerID, groupID]);
    await this.c.run("UPDATE group_members SET role = CASE WHEN user_id = ? THEN 'Owner' ELSE 'Member' END WHERE group_id = ?", [ownerID, groupID]);
  }
  async dismissGroup(groupID: string, now: number): Promise<void> {
    const members = await this.c.all<{ user_id: string }>('SELECT user_id FROM group_members WHERE group_id = ?', [groupID]);
    await this.removeMembers(groupID, members.map((m) => m.user_id), now);
    // The row stays as a tombstone: insertGroup's ON CONFLICT then refuses the ID for good.
    await this.c.run('UPDATE chat_groups SET dismissed_at = ? WHERE group_id = ?', [now, groupID]);
    await this.c.run('DELETE FROM group_invitations WHERE group_id = ?', [groupID]);
  }
  async groupMembers(groupID: string): Promise<GroupMember[]> {
    const rows = await this.c.all<{ user_id: string; role: string }>('SELECT user_id, role FROM group_members WHERE group_id = ? ORDER BY joined_at, user_id', [groupID]);
    return rows.map((r) => ({ userID: r.user_id, role: r.role === 'Owner' ? 'Owner' : 'Member' }));
  }
  async isMember(groupID: string, userID: string): Promise<boolean> {
    return (await this.c.get('SELECT 1 AS x FROM group_members WHERE group_id = ? AND user_id = ?', [groupID, userID])) !== undefined;
  }
  async memberCount(groupID: string): Promise<number> {
    const row = await this.c.get<{ n: number }>('SELECT COUNT(*) AS n FROM group_members WHERE group_id = ?', [groupID]);
    return Number(row?.n ?? 0);
  }
  async groupCounts(userIDs: readonly string[]): Promise<Map<string, number>> {
    return this.#countPerUser(userIDs, (in_) => `SELECT user_id, COUNT(*) AS n FROM group_members WHERE user_id IN (${in_}) GROUP BY user_id`);
  }
  /**
   * One count per user (0 for those without rows), under GROUPS_LOCK first on PostgreSQL: all
   * the users' locks in one statement, in key order (SQLite serializes writers anyway).
   * `query(in_)`: the statement, given the IN list's placeholders.
   */
  async #countPerUser(userIDs: readonly string[], query: (in_: string) => string): Promise<Map<string, number>> {
    const out = new Map<string, number>(userIDs.map((u) => [u, 0]));
    const sorted = [...new Set(userIDs)].sort();
    if (this.writable && this.d.dialect === 'postgres' && sorted.length > 0) await this.c.all(GROUPS_LOCK, [sorted as unknown as SqlValue]);
    for (let i = 0; i < sorted.length; i += CHUNK) {
      const part = sorted.slice(i, i + CHUNK);
      const rows = await this.c.all<{ user_id: string; n: number }>(query(placeholders(part.length)), part);
      for (const r of rows) out.set(r.user_id, Number(r.n));
    }
    return out;
  }
  async addMembers(groupID: string, members: readonly GroupMember[], now: number): Promise<string[]> {
    const added: string[] = [];
    for (const m of members) {
      const n = await this.c.run(
        'INSERT INTO group_members (group_id, user_id, role, joined_at) VALUES (?, ?, ?, ?) ON CONFLICT (group_id, user_id) DO NOTHING',
        [groupID, m.userID, m.role, now],
      );
      if (n === 1) {
        added.push(m.userID);
        // A member again: reads the whole history as every member does; consented, so not "left" any more.
        await this.c.run('DELETE FROM group_former_members WHERE group_id = ? AND user_id = ?', [groupID, m.userID]);
        await this.c.run('DELETE FROM group_left WHERE group_id = ? AND user_id = ?', [groupID, m.userID]);
        await this.c.run('DELETE FROM group_invitations WHERE user_id = ? AND group_id = ?', [m.userID, groupID]);
      }
    }
    return added;
  }
  async removeMembers(groupID: string, userIDs: readonly string[], now: number): Promise<string[]> {
    const removed: string[] = [];
    let last: number | null = null;
    for (const u of userIDs) {
      if ((await this.c.run('DELETE FROM group_members WHERE group_id = ? AND user_id = ?', [groupID, u])) !== 1) continue;
      removed.push(u);
      // What the former member may still read: the history up to this moment. The group row
      // is locked (getGroup) by every sender, so no message of this group commits between.
      last ??= await this.#lastMessageID(groupID);
      await this.c.run(
        `INSERT INTO group_former_members (group_id, user_id, last_message_id, left_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (group_id, user_id) DO UPDATE SET last_message_id = excluded.last_message_id, left_at = excluded.left_at`,
        [groupID, u, last, now],
      );
    }
    return removed;
  }
  async formerMemberBound(groupID: string, userID: string): Promise<number | null> {
    const row = await this.c.get<{ last_message_id: number }>('SELECT last_message_id FROM group_former_members WHERE group_id = ? AND user_id = ?', [groupID, userID]);
    return row ? Number(row.last_message_id) : null;
  }
  async #lastMessageID(groupID: string): Promise<number> {
    const row = await this.c.get<{ id: number | null }>('SELECT MAX(id) AS id FROM messages WHERE conv_key = ?', [groupKey(groupID)]);
    return Number(row?.id ?? 0);
  }
  async groupsOf(userID: string): Promise<Group[]> {
    const rows = await this.c.all<GroupRow>(
      `SELECT g.group_id, g.name, g.type, g.owner_id FROM chat_groups g
         JOIN group_members m ON m.group_id = g.group_id
       WHERE m.user_id = ? AND g.dismissed_at IS NULL ORDER BY g.created_at, g.group_id`,
      [userID],
    );
    return rows.map(toGroup);
  }

  async standing(userID: string, other: string): Promise<{ blocks: boolean; knows: boolean }> {
    const row = await this.c.get<{ blocks: number | boolean; contact: number | boolean; shared: number | boolean }>(
      `SELECT EXISTS (SELECT 1 FROM blocks WHERE user_id = ? AND blocked_id = ?) AS blocks,
              EXISTS (SELECT 1 FROM contacts WHERE user_id = ? AND contact_id = ?) AS contact,
              EXISTS (SELECT 1 FROM group_members m1 JOIN group_members m2 ON m2.group_id = m1.group_id WHERE m1.user_id = ? AND m2.user_id = ?) AS shared`,
      [userID, other, userID, other, userID, other],
    );
    // SQLite answers 0/1, PostgreSQL booleans.
    return { blocks: Boolean(row?.blocks), knows: Boolean(row?.contact) || Boolean(row?.shared) };
  }
  async markLeft(groupID: string, userID: string, now: number): Promise<void> {
    await this.c.run('INSERT INTO group_left (group_id, user_id, left_at) VALUES (?, ?, ?) ON CONFLICT (group_id, user_id) DO UPDATE SET left_at = excluded.left_at', [groupID, userID, now]);
  }
  async leftByChoice(groupID: string, userIDs: readonly string[]): Promise<Set<string>> {
    const out = new Set<string>();
    for (let i = 0; i < userIDs.length; i += CHUNK) {
      const part = userIDs.slice(i, i + CHUNK);
      const rows = await this.c.all<{ user_id: string }>(`SELECT user_id FROM group_left WHERE group_id = ? AND user_id IN (${placeholders(part.length)})`, [groupID, ...part]);
      for (const r of rows) out.add(r.user_id);
    }
    return out;
  }

  // ---- group invitations awaiting consent
  async groupInvitationCounts(userIDs: readonly string[]): Promise<Map<string, number>> {
    return this.#countPerUser(
      userIDs,
      (in_) => `SELECT i.user_id, COUNT(*) AS n FROM group_invitations i JOIN chat_groups g ON g.group_id = i.group_id
         WHERE i.user_id IN (${in_}) AND g.dismissed_at IS NULL GROUP BY i.user_id`,
    );
  }
  async addGroupInvitation(userID: string, groupID: string, inviter: string, now: number): Promise<boolean> {
    const n = await this.c.run(
      'INSERT INTO group_invitations (user_id, group_id, inviter, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (user_id, group_id) DO NOTHING',
      [userID, groupID, inviter, now],
    );
    return n === 1;
  }
  async groupInvitationsOf(userID: string): Promise<StoredGroupInvitation[]> {
    const rows = await this.c.all<GroupRow & { inviter: string; created_at: number }>(
      `SELECT g.group_id, g.name, g.type, g.owner_id, i.inviter, i.created_at FROM group_invitations i
         JOIN chat_groups g ON g.group_id = i.group_id
       WHERE i.user_id = ? AND g.dismissed_at IS NULL ORDER BY i.created_at, i.group_id`,
      [userID],
    );
    return rows.map((r) => ({ group: toGroup(r), inviter: r.inviter, createdAt: Number(r.created_at) }));
  }
  async takeGroupInvitation(userID: string, groupID: string): Promise<boolean> {
    return (await this.c.run('DELETE FROM group_invitations WHERE user_id = ? AND group_id = ?', [userID, groupID])) === 1;
  }
  async dropGroupInvitationsFrom(userID: string, inviters: readonly string[]): Promise<void> {
    if (inviters.length === 0) return;
    await this.c.run(`DELETE FROM group_invitations WHERE user_id = ? AND inviter IN (${placeholders(inviters.length)})`, [userID, ...inviters]);
  }

  // ---- contacts and blocks
  async lockUser(userID: string): Promise<void> {
    if (this.writable) await this.c.get(`SELECT 1 AS x FROM users WHERE user_id = ?${this.d.lockRows}`, [userID]);
  }
  async relationList(kind: Relation, userID: string): Promise<string[]> {
    const t = RELATIONS[kind];
    const rows = await this.c.all<{ other: string }>(`SELECT ${t.column} AS other FROM ${t.table} WHERE user_id = ? ORDER BY added_at, ${t.column}`, [userID]);
    return rows.map((r) => r.other);
  }
  async relationCount(kind: Relation, userID: string): Promise<number> {
    const row = await this.c.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${RELATIONS[kind].table} WHERE user_id = ?`, [userID]);
    return Number(row?.n ?? 0);
  }
  async addRelation(kind: Relation, userID: string, others: readonly string[], now: number): Promise<string[]> {
    const t = RELATIONS[kind];
    const added: string[] = [];
    for (const o of others) {
      const n = await this.c.run(`INSERT INTO ${t.table} (user_id, ${t.column}, added_at) VALUES (?, ?, ?) ON CONFLICT (user_id, ${t.column}) DO NOTHING`, [userID, o, now]);
      if (n === 1) added.push(o);
    }
    return added;
  }
  async removeRelation(kind: Relation, userID: string, others: readonly string[]): Promise<string[]> {
    const t = RELATIONS[kind];
    const removed: string[] = [];
    for (const o of others) {
      if ((await this.c.run(`DELETE FROM ${t.table} WHERE user_id = ? AND ${t.column} = ?`, [userID, o])) === 1) removed.push(o);
    }
    return removed;
  }
  async whoListed(kind: Relation, subject: string, userIDs: readonly string[]): Promise<Set<string>> {
    const t = RELATIONS[kind];
    const out = new Set<string>();
    for (let i = 0; i < userIDs.length; i += CHUNK) {
      const part = userIDs.slice(i, i + CHUNK);
      const rows = await this.c.all<{ user_id: string }>(`SELECT user_id FROM ${t.table} WHERE ${t.column} = ? AND user_id IN (${placeholders(part.length)})`, [subject, ...part]);
      for (const r of rows) out.add(r.user_id);
    }
    return out;
  }

  async statusViewers(subject: string, viewers: readonly string[]): Promise<Set<string>> {
    const out = new Set<string>();
    for (let i = 0; i < viewers.length; i += CHUNK) {
      const part = viewers.slice(i, i + CHUNK);
      const in_ = placeholders(part.length);
      const rows = await this.c.all<{ user_id: string }>(
        `SELECT contact_id AS user_id FROM contacts WHERE user_id = ? AND contact_id IN (${in_})
         UNION
         SELECT m2.user_id FROM group_members m1
           JOIN chat_groups g ON g.group_id = m1.group_id AND g.dismissed_at IS NULL
           JOIN group_members m2 ON m2.group_id = m1.group_id
         WHERE m1.user_id = ? AND m2.user_id IN (${in_})`,
        [subject, ...part, subject, ...part],
      );
      const blocked = await this.c.all<{ user_id: string }>(`SELECT blocked_id AS user_id FROM blocks WHERE user_id = ? AND blocked_id IN (${in_})`, [subject, ...part]);
      const refused = new Set(blocked.map((r) => r.user_id));
      for (const r of rows) if (!refused.has(r.user_id)) out.add(r.user_id);
    }
    return out;
  }

  async statusShownTo(viewer: string, subjects: readonly string[]): Promise<Set<string>> {
    const out = new Set<string>();
    for (let i = 0; i < subjects.length; i += CHUNK) {
      const part = subjects.slice(i, i + CHUNK);
      const in_ = placeholders(part.length);
      const rows = await this.c.all<{ user_id: string }>(
        `SELECT user_id FROM contacts WHERE contact_id = ? AND user_id IN (${in_})
         UNION
         SELECT m2.user_id FROM group_members m1
           JOIN chat_groups g ON g.group_id = m1.group_id AND g.dismissed_at IS NULL
           JOIN group_members m2 ON m2.group_id = m1.group_id
         WHERE m1.user_id = ? AND m2.user_id IN (${in_})`,
        [viewer, ...part, viewer, ...part],
      );
      const blocking = await this.c.all<{ user_id: string }>(`SELECT user_id FROM blocks WHERE blocked_id = ? AND user_id IN (${in_})`, [viewer, ...part]);
      const refused = new Set(blocking.map((r) => r.user_id));
      for (const r of rows) if (!refused.has(r.user_id)) out.add(r.user_id);
    }
    return out;
  }

  // ---- messages and conversations
  async insertMessage(m: Omit<StoredMessage, 'id'>): Promise<number> {
    const payload = JSON.stringify(m.payload);
    this.stored += Buffer.byteLength(payload) + EVENT_ROW_BYTES;
    const row = await this.c.get<{ id: number }>(
      'INSERT INTO messages (conv_key, sender, target, time, payload) VALUES (?, ?, ?, ?, ?) RETURNING id',
      [m.convKey, m.from, m.to, m.time, payload],
    );
    if (!row) throw new Error('insert into messages returned no id');
    return Number(row.id);
  }
  async bumpConversations(rows: readonly ConversationBump[], messageID: number, time: number): Promise<void> {
    // Sorted: concurrent transactions (PostgreSQL) then lock conversation rows in one order.
    const sorted = [...rows].sort((a, b) => (a.userID < b.userID ? -1 : a.userID > b.userID ? 1 : 0));
    for (let i = 0; i < sorted.length; i += CHUNK) {
      const part = sorted.slice(i, i + CHUNK);
      await this.c.run(
        `INSERT INTO conversations (user_id, conversation_id, unread, last_message_id, updated_at) VALUES ${part.map(() => '(?, ?, ?, ?, ?)').join(', ')}
         ON CONFLICT (user_id, conversation_id) DO UPDATE SET unread = conversations.unread + excluded.unread,
           last_message_id = CASE WHEN excluded.last_message_id > conversations.last_message_id THEN excluded.last_message_id ELSE conversations.last_message_id END,
           updated_at = CASE WHEN excluded.last_message_id > conversations.last_message_id THEN excluded.updated_at ELSE conversations.updated_at END`,
        part.flatMap((r) => [r.userID, r.conversationID, r.unreadDelta, messageID, time]),
      );
    }
  }
  async listMessages(convKey: string, beforeID: number | null, count: number): Promise<StoredMessage[]> {
    const rows = beforeID === null
      ? await this.c.all<MessageRow>('SELECT * FROM messages WHERE conv_key = ? ORDER BY id DESC LIMIT ?', [convKey, count])
      : await this.c.all<MessageRow>('SELECT * FROM messages WHERE conv_key = ? AND id < ? ORDER BY id DESC LIMIT ?', [convKey, beforeID, count]);
    return rows.map(toMessage).reverse();
  }
  async getMessages(ids: readonly number[]): Promise<StoredMessage[]> {
    if (ids.length === 0) return [];
    const rows = await this.c.all<MessageRow>(`SELECT * FROM messages WHERE id IN (${placeholders(ids.length)})`, ids);
    return rows.map(toMessage);
  }
  async listConversations(userID: string): Promise<ConversationRow[]> {
    const rows = await this.c.all<{ conversation_id: string; unread: number; last_message_id: number }>(
      'SELECT conversation_id, unread, last_message_id FROM conversations WHERE user_id = ? ORDER BY updated_at DESC, last_message_id DESC',
      [userID],
    );
    return rows.map((r) => ({ conversationID: r.conversation_id, unread: Number(r.unread), lastMessageID: Number(r.last_message_id) }));
  }
  async markRead(userID: string, conversationID: string): Promise<boolean> {
    return (await this.c.run('UPDATE conversations SET unread = 0 WHERE user_id = ? AND conversation_id = ? AND unread <> 0', [userID, conversationID])) > 0;
  }

  // ---- event log
  /** Gives each of the events' users their next seq (unknown users get none). */
  protected async allocateSeqs(events: readonly NewEvent[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const users = [...new Set(events.map((e) => e.userID))].sort();
    for (let i = 0; i < users.length; i += CHUNK) {
      const part = users.slice(i, i + CHUNK);
      // One statement allocates every recipient's next seq (rows locked in index order).
      const rows = await this.c.all<{ user_id: string; last_seq: number }>(
        `UPDATE users SET last_seq = last_seq + 1 WHERE user_id IN (${placeholders(part.length)}) RETURNING user_id, last_seq`,
        part,
      );
      for (const r of rows) out.set(r.user_id, Number(r.last_seq));
    }
    return out;
  }
  async appendEvents(events: readonly NewEvent[], now: number): Promise<EventSeqs> {
    const out = await this.allocateSeqs(events);
    const stored = events.filter((e) => out.has(e.userID));
    // Each distinct event is stored once; recipients who see the same frame share it.
    // Keyed by the frame text first: recipients of one view share the same string, whose
    // hash V8 computes once.
    const ids = new Map<string, Map<string, number>>();
    const refs: SqlValue[][] = [];
    for (const e of stored) {
      let byMeta = ids.get(e.frame);
      if (byMeta === undefined) {
        byMeta = new Map();
        ids.set(e.frame, byMeta);
      }
      const key = `${e.inviteID ?? ''}\u0000${e.deadline ?? ''}`;
      let id = byMeta.get(key);
      if (id === undefined) {
        const row = await this.c.get<{ id: number }>('INSERT INTO events (invite_id, deadline, frame, created_at) VALUES (?, ?, ?, ?) RETURNING id', [e.inviteID, e.deadline, e.frame, now]);
        if (!row) throw new Error('insert into events returned no id');
        id = Number(row.id);
        byMeta.set(key, id);
        this.stored += Buffer.byteLength(e.frame) + EVENT_ROW_BYTES;
      }
      refs.push([e.userID, out.get(e.userID)!, id]);
    }
    this.stored += refs.length * REF_ROW_BYTES;
    for (let i = 0; i < refs.length; i += CHUNK) {
      const part = refs.slice(i, i + CHUNK);
      await this.c.run(`INSERT INTO user_event_refs (user_id, seq, event_id) VALUES ${part.map(() => '(?, ?, ?)').join(', ')}`, part.flat());
    }
    return out;
  }
  async currentSeq(userID: string): Promise<number> {
    const row = await this.c.get<{ last_seq: number }>('SELECT last_seq FROM users WHERE user_id = ?', [userID]);
    return row ? Number(row.last_seq) : 0;
  }
  async eventsAfter(userID: string, seq: number, limit: number): Promise<StoredEvent[]> {
    const rows = await this.c.all<{ seq: number; invite_id: string | null; deadline: number | null; frame: string }>(
      `SELECT r.seq, e.invite_id, e.deadline, e.frame FROM user_event_refs r JOIN events e ON e.id = r.event_id
       WHERE r.user_id = ? AND r.seq > ? ORDER BY r.seq LIMIT ?`,
      [userID, seq, limit],
    );
    return rows.map((r) => ({ seq: Number(r.seq), inviteID: r.invite_id, deadline: r.deadline === null ? null : Number(r.deadline), frame: r.frame }));
  }
  storedBytes(): number {
    return this.stored;
  }
  async chargeStoredBytes(userID: string, bytes: number, day: number): Promise<number> {
    const row = await this.c.get<{ stored_bytes: number }>(
      'UPDATE users SET stored_bytes = CASE WHEN stored_day = ? THEN stored_bytes + ? ELSE ? END, stored_day = ? WHERE user_id = ? RETURNING stored_bytes',
      [day, bytes, bytes, day, userID],
    );
    return row ? Number(row.stored_bytes) : bytes;
  }

  // ---- requests
  // On SQLite, replies are recorded by UTC day (migration 5: one B-tree, pruned by whole days);
  // on PostgreSQL by time, under (user, request id), as before.
  async getRequestResult(userID: string, requestID: string, now: number): Promise<string | null> {
    if (this.d.dialect === 'postgres') {
      const row = await this.c.get<{ response: string }>('SELECT response FROM requests WHERE user_id = ? AND request_id = ?', [userID, requestID]);
      return row?.response ?? null;
    }
    const day = Math.floor(now / DAY_MS);
    const row = await this.c.get<{ response: string }>('SELECT response FROM requests WHERE day IN (?, ?) AND user_id = ? AND request_id = ?', [day, day - 1, userID, requestID]);
    return row?.response ?? null;
  }
  async putRequestResult(userID: string, requestID: string, response: string, now: number): Promise<boolean> {
    if (this.d.dialect === 'postgres') {
      return 1 === await this.c.run('INSERT INTO requests (user_id, request_id, response, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (user_id, request_id) DO NOTHING', [
        userID, requestID, response, now,
      ]);
    }
    // Recorded under today; one recorded yesterday counts as taken too (ids live at least a day).
    const day = Math.floor(now / DAY_MS);
    return 1 === await this.c.run(
      `INSERT INTO requests (day, user_id, request_id, response) SELECT ?, ?, ?, ?
       WHERE NOT EXISTS (SELECT 1 FROM requests WHERE day = ? AND user_id = ? AND request_id = ?)
       ON CONFLICT (day, user_id, request_id) DO NOTHING`,
      [day, userID, requestID, response, day - 1, userID, requestID],
    );
  }

  // ---- administration (migration 7)
  async getUser(userID: string): Promise<UserRecord | null> {
    const row = await this.c.get<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE user_id = ?`, [userID]);
    return row ? toUser(row) : null;
  }
  async listUsers(afterID: string | null, limit: number): Promise<UserRecord[]> {
    const rows = await this.c.all<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE user_id > ? ORDER BY user_id LIMIT ?`, [afterID ?? '', limit]);
    return rows.map(toUser);
  }
  async setDisabled(userID: string, at: number | null): Promise<boolean> {
    return (await this.c.run('UPDATE users SET disabled_at = ? WHERE user_id = ?', [at, userID])) === 1;
  }
  async markDeleted(userID: string, at: number): Promise<void> {
    await this.c.run('UPDATE users SET deleted_at = ?, disabled_at = COALESCE(disabled_at, ?), password_hash = NULL WHERE user_id = ?', [at, at, userID]);
  }
  async appendAdminLog(e: AdminLogEntry): Promise<number> {
    const row = await this.c.get<{ id: number }>(
      'INSERT INTO admin_log (at, actor, action, user_id, detail, revoke_below) VALUES (?, ?, ?, ?, ?, ?) RETURNING id',
      [e.at, e.actor, e.action, e.userID, e.detail, e.revokeBelow],
    );
    return Number(row!.id);
  }
  async adminLogAfter(afterID: number, limit: number): Promise<(AdminLogEntry & { id: number })[]> {
    const rows = await this.c.all<{ id: number; at: number; actor: string; action: AdminLogEntry['action']; user_id: string; detail: string; revoke_below: number | null }>(
      'SELECT id, at, actor, action, user_id, detail, revoke_below FROM admin_log WHERE id > ? ORDER BY id LIMIT ?', [afterID, limit]);
    return rows.map((r) => ({
      id: Number(r.id), at: Number(r.at), actor: r.actor, action: r.action, userID: r.user_id, detail: r.detail,
      revokeBelow: r.revoke_below === null ? null : Number(r.revoke_below),
    }));
  }
  async lastAdminLogID(): Promise<number> {
    const row = await this.c.get<{ id: number | null }>('SELECT MAX(id) AS id FROM admin_log');
    return Number(row?.id ?? 0);
  }

  async prune(eventsBefore: number, requestsBefore: number): Promise<void> {
    // Event ids grow with time: everything up to the newest expired event goes, references
    // first (a scan of the narrow reference rows; no per-recipient index to maintain).
    const cut = await this.c.get<{ id: number | null }>('SELECT MAX(id) AS id FROM events WHERE created_at < ?', [eventsBefore]);
    if (cut?.id !== null && cut?.id !== undefined) {
      await this.c.run('DELETE FROM user_event_refs WHERE event_id <= ?', [Number(cut.id)]);
      await this.c.run('DELETE FROM events WHERE id <= ?', [Number(cut.id)]);
    }
    if (this.d.dialect === 'postgres') await this.c.run('DELETE FROM requests WHERE created_at < ?', [requestsBefore]);
    // SQLite, whole days: a request id is kept from its day until the end of the next.
    else await this.c.run('DELETE FROM requests WHERE day < ?', [Math.floor(requestsBefore / DAY_MS)]);
  }
}

const USER_COLUMNS = 'user_id, created_at, password_hash IS NOT NULL AS has_password, disabled_at, deleted_at';
interface UserRow { user_id: string; created_at: number; has_password: number | boolean; disabled_at: number | null; deleted_at: number | null }

function toUser(r: UserRow): UserRecord {
  const time = (v: number | null) => (v === null ? null : Number(v));
  return { userID: r.user_id, createdAt: Number(r.created_at), hasPassword: Boolean(r.has_password), disabledAt: time(r.disabled_at), deletedAt: time(r.deleted_at) };
}

function toGroup(r: GroupRow): Group {
  return { groupID: r.group_id, name: r.name, type: r.type as GroupType, ownerID: r.owner_id };
}

function toMessage(r: MessageRow): StoredMessage {
  return { id: Number(r.id), convKey: r.conv_key, from: r.sender, to: r.target, time: Number(r.time), payload: JSON.parse(r.payload) as StoredMessage['payload'] };
}
