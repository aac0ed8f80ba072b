/**
 * What a transition reads, kept in memory on SQLite (issue 19 step 2): the open
 * invitations (and closed ones whose last write the journal has not applied yet), each
 * user's last seq, the stored-bytes day counters, and the users known to exist. A
 * transition then reads none of these from the file, and its durable write is the journal
 * row alone: the invitation rows, `users.last_seq` and `users.stored_bytes` are projections
 * applied behind the journal (journal.ts applyOps), like messages and events.
 *
 * One process owns the file's writes (the server), and its transactions run one at a time
 * (driver.ts), so this state is changed by one transaction at a time. Each change records
 * its undo in the transaction's list: a transaction that rolls back (alone, in its
 * savepoint) undoes exactly its own changes; a COMMIT that fails voids the whole group, and
 * the store then reloads all of this from the file (`load`) before the next transaction.
 *
 * Invariant: every invitation with a write that is not yet in the `invitations` table is
 * held here; every open invitation is held here. The file answers the rest.
 */
import type { Invitation } from '../../model/invitation.ts';
import type { SqlConn } from '../driver.ts';
import { CHUNK, placeholders } from '../sql-store.ts';
import type { PendingLoad } from '../types.ts';
import type { ProjectionOp } from './journal.ts';

/** Undo steps of one transaction, run newest first when it rolls back. */
export type Undo = Array<() => void>;

/** What the queries look at of an invitation (not its data: see `body`). */
type Indexed = Pick<Invitation, 'inviteID' | 'inviter' | 'groupID' | 'inviteeList' | 'parts' | 'deadline' | 'createdAt'>;

/**
 * An invitation as held: its own copy of the indexed fields, and its stored text (parsed
 * anew for each reader) until the table has it: an open invitation's data (up to 8 KiB)
 * then lives in the file only, and is read from there.
 */
export interface Held {
  inv: Readonly<Indexed>;
  open: boolean;
  stranger: boolean;
  body: string | null;
  /** The journal row of its last write: null while the writing transaction runs, 0 when the table has it. */
  row: number | null;
}

/** Known users past which the cache starts over (each is a few dozen bytes). */
const KNOWN_MAX = 1_000_000;

export class HotState {
  readonly #invitations = new Map<string, Held>();
  /** Open invitations by inviter and by each invitee. */
  readonly #byUser = new Map<string, Set<string>>();
  /** Open group invitations by group. */
  readonly #byGroup = new Map<string, Set<string>>();
  /** Each user's last seq (users missing here: the file's `last_seq` is current). */
  readonly #seqs = new Map<string, number>();
  /** Each user's stored-bytes counter (users missing here: the file's is current). */
  readonly #bytes = new Map<string, { day: number; total: number }>();
  /** Users known to exist (rows are never deleted: deleted users stay as tombstones). */
  readonly #known = new Set<string>();

  /** Rebuilds everything from the file and the journal's tail (`tail`: its rows in id order). */
  async load(c: SqlConn, tail: ReadonlyArray<{ id: number; ops: readonly ProjectionOp[] }>): Promise<void> {
    this.#invitations.clear();
    this.#byUser.clear();
    this.#byGroup.clear();
    this.#seqs.clear();
    this.#bytes.clear();
    this.#known.clear();
    for (const r of await c.all<{ body: string; from_stranger: number }>('SELECT body, from_stranger FROM invitations WHERE is_open = 1')) {
      this.#put(held(JSON.parse(r.body) as Invitation, null, Number(r.from_stranger) === 1, 0));
    }
    const seqs = new Map<string, number>();
    for (const { id, ops } of tail) {
      for (const op of ops) {
        if (op.k === 'invitation') {
          const before = this.#invitations.get(op.id);
          this.#put(held(JSON.parse(op.body) as Invitation, op.body, before ? before.stranger : op.stranger === 1, id));
        } else if (op.k === 'events') {
          for (const [user, seq] of op.refs) seqs.set(user, Math.max(seqs.get(user) ?? 0, seq));
        } else if (op.k === 'bytes') {
          this.#bytes.set(op.user, { day: op.day, total: op.total });
        }
      }
    }
    // The tail's seqs are above what the table holds unless an earlier opening applied them.
    const users = [...seqs.keys()];
    for (let i = 0; i < users.length; i += CHUNK) {
      const part = users.slice(i, i + CHUNK);
      for (const r of await c.all<{ user_id: string; last_seq: number }>(`SELECT user_id, last_seq FROM users WHERE user_id IN (${placeholders(part.length)})`, part)) {
        this.#seqs.set(r.user_id, Math.max(Number(r.last_seq), seqs.get(r.user_id)!));
      }
    }
  }

  // ---- users

  /** Those of `userIDs` known to exist, and those to look up. */
  known(userIDs: readonly string[]): { found: string[]; unknown: string[] } {
    const found: string[] = [], unknown: string[] = [];
    for (const u of userIDs) (this.#known.has(u) ? found : unknown).push(u);
    return { found, unknown };
  }

  /** Remembers users read from the file (undone with the transaction: it may have created them). */
  remember(userIDs: readonly string[], undo: Undo): void {
    if (this.#known.size + userIDs.length > KNOWN_MAX) this.#known.clear();
    for (const u of userIDs) {
      if (this.#known.has(u)) continue;
      this.#known.add(u);
      undo.push(() => this.#known.delete(u));
    }
  }

  // ---- seqs and stored bytes

  lastSeq(userID: string): number | undefined {
    return this.#seqs.get(userID);
  }

  setSeq(userID: string, seq: number, undo: Undo): void {
    const before = this.#seqs.get(userID);
    this.#seqs.set(userID, seq);
    undo.push(() => (before === undefined ? this.#seqs.delete(userID) : this.#seqs.set(userID, before)));
  }

  storedBytes(userID: string): { day: number; total: number } | undefined {
    return this.#bytes.get(userID);
  }

  setStoredBytes(userID: string, day: number, total: number, undo: Undo): void {
    const before = this.#bytes.get(userID);
    this.#bytes.set(userID, { day, total });
    undo.push(() => (before === undefined ? this.#bytes.delete(userID) : this.#bytes.set(userID, before)));
  }

  // ---- invitations

  /** The invitation when its text is held (a fresh copy), undefined when the file has it as it is (or nobody does). */
  invitation(inviteID: string): Invitation | undefined {
    const body = this.#invitations.get(inviteID)?.body;
    return body ? (JSON.parse(body) as Invitation) : undefined;
  }

  /** Stores a new or changed invitation; returns it as held, with its text (for the journal). */
  write(inv: Invitation, stranger: boolean | null, undo: Undo): Held & { body: string } {
    const before = this.#invitations.get(inv.inviteID);
    const body = JSON.stringify(inv);
    const h = { ...held(inv, body, stranger ?? before?.stranger ?? false, null), body };
    this.#put(h);
    undo.push(() => (before ? this.#put(before) : this.#drop(inv.inviteID)));
    return h;
  }

  /** The invitations this transaction wrote are journal row `row` (0: applied to the table already). */
  written(inviteIDs: Iterable<string>, row: number): void {
    for (const id of inviteIDs) {
      const h = this.#invitations.get(id);
      if (h && h.row === null) h.row = row;
    }
  }

  /** Journal rows up to `upTo` are in the tables now: what they wrote of invitations is read from the file again. */
  applied(upTo: number, undo: Undo): void {
    for (const [id, h] of this.#invitations) {
      if (h.row === null || h.row > upTo || (h.open && h.body === null)) continue;
      if (h.open) {
        const body = h.body, row = h.row;
        h.body = null;
        h.row = 0;
        undo.push(() => { h.body = body; h.row = row; });
        continue;
      }
      this.#drop(id);
      undo.push(() => this.#put(h));
    }
  }

  /** Open invitations in which the user is inviter or a pending invitee, the newest `limit`, oldest first: each its text, or its ID when the file has it. */
  openInvitationsOf(userID: string, limit: number): Array<Invitation | string> {
    const mine: Held[] = [];
    for (const id of this.#byUser.get(userID) ?? []) {
      const h = this.#invitations.get(id)!;
      if (h.inv.inviter === userID || h.inv.parts[userID] === 'pending') mine.push(h);
    }
    // As the table's query: the newest `limit` by (created_at, invite_id), oldest first.
    mine.sort(byCreation);
    return mine.slice(Math.max(0, mine.length - limit)).map(text);
  }

  pendingLoad(inviter: string, invitees: readonly string[], now: number): PendingLoad {
    const live = (h: Held) => h.inv.deadline === null || h.inv.deadline > now;
    let sent = 0;
    for (const id of this.#byUser.get(inviter) ?? []) {
      const h = this.#invitations.get(id)!;
      if (h.inv.inviter === inviter && live(h)) sent++;
    }
    const toward: PendingLoad['toward'] = new Map();
    for (const u of new Set(invitees)) {
      let total = 0, fromInviter = 0, fromStrangers = 0;
      for (const id of this.#byUser.get(u) ?? []) {
        const h = this.#invitations.get(id)!;
        if (h.inv.parts[u] !== 'pending' || !live(h)) continue;
        total++;
        if (h.inv.inviter === inviter) fromInviter++;
        if (h.stranger) fromStrangers++;
      }
      if (total > 0) toward.set(u, { total, fromInviter, fromStrangers });
    }
    return { sent, toward };
  }

  /** Open invitations of the group, oldest first: each its text, or its ID when the file has it. */
  openInvitationsInGroup(groupID: string): Array<Invitation | string> {
    if (groupID === '') return [];
    const list = [...(this.#byGroup.get(groupID) ?? [])].map((id) => this.#invitations.get(id)!);
    return list.sort(byCreation).map(text);
  }

  dueInvitationIDs(now: number, limit: number): string[] {
    const due: Held[] = [];
    for (const h of this.#invitations.values()) if (h.open && h.inv.deadline !== null && h.inv.deadline <= now) due.push(h);
    return due.sort((a, b) => a.inv.deadline! - b.inv.deadline!).slice(0, limit).map((h) => h.inv.inviteID);
  }

  countOpenDeadlines(): number {
    let n = 0;
    for (const h of this.#invitations.values()) if (h.open && h.inv.deadline !== null) n++;
    return n;
  }

  nextDeadline(): number | null {
    let next: number | null = null;
    for (const h of this.#invitations.values()) if (h.open && h.inv.deadline !== null && (next === null || h.inv.deadline < next)) next = h.inv.deadline;
    return next;
  }

  #put(h: Held): void {
    const { inviteID, inviter, inviteeList, groupID } = h.inv;
    this.#drop(inviteID);
    this.#invitations.set(inviteID, h);
    if (!h.open) return;
    for (const u of new Set([inviter, ...inviteeList])) index(this.#byUser, u, inviteID);
    if (groupID !== '') index(this.#byGroup, groupID, inviteID);
  }

  #drop(inviteID: string): void {
    const h = this.#invitations.get(inviteID);
    if (!h) return;
    this.#invitations.delete(inviteID);
    if (!h.open) return;
    for (const u of new Set([h.inv.inviter, ...h.inv.inviteeList])) unindex(this.#byUser, u, inviteID);
    if (h.inv.groupID !== '') unindex(this.#byGroup, h.inv.groupID, inviteID);
  }
}

function held(inv: Invitation, body: string | null, stranger: boolean, row: number | null): Held {
  // A copy of what the queries read: the caller's object may change after it is handed over.
  const copy: Indexed = {
    inviteID: inv.inviteID, inviter: inv.inviter, groupID: inv.groupID, inviteeList: [...inv.inviteeList], parts: { ...inv.parts },
    deadline: inv.deadline, createdAt: inv.createdAt,
  };
  return { inv: copy, open: inv.endReason === null, stranger, body, row };
}

function text(h: Held): Invitation | string {
  return h.body ? (JSON.parse(h.body) as Invitation) : h.inv.inviteID;
}

function byCreation(a: Held, b: Held): number {
  if (a.inv.createdAt !== b.inv.createdAt) return a.inv.createdAt - b.inv.createdAt;
  return a.inv.inviteID < b.inv.inviteID ? -1 : a.inv.inviteID > b.inv.inviteID ? 1 : 0;
}

function index(m: Map<string, Set<string>>, key: string, id: string): void {
  let s = m.get(key);
  if (!s) m.set(key, (s = new Set()));
  s.add(id);
}

function unindex(m: Map<string, Set<string>>, key: string, id: string): void {
  const s = m.get(key);
  if (!s) return;
  s.delete(id);
  if (s.size === 0) m.delete(key);
}
