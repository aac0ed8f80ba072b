/**
 * The PostgreSQL store: the shared queries (sql-store.ts) with the hot path of every
 * invitation step folded into fewer round trips. A per-user event append (seq allocation,
 * stored events, per-recipient references) is one statement with CTEs instead of three
 * or more; an invitation's pending load is one statement instead of two; an invitation's
 * row updates go out without waiting (their only news is an error, reported at the next
 * statement or at COMMIT, see driver.ts). PgTx extends the shared SqlTx and replaces only
 * these: this file is PostgreSQL's hot path, whole.
 */
import type { Invitation } from '../../model/invitation.ts';
import type { SqlValue } from '../driver.ts';
import { migrate } from '../migrations.ts';
import { EVENT_ROW_BYTES, PENDING_LOCK, REF_ROW_BYTES, SqlTx } from '../sql-store.ts';
import type { EventSeqs, NewEvent, PendingLoad, Store, StoredBytesCap, StoredMessage, StoreTx } from '../types.ts';
import type { LoginReads } from '../login-reads.ts';
import { PostgresDriver, type PgConn } from './driver.ts';
import { PgLoginReads } from './login-reads.ts';

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

const NEXT_MESSAGE_ID = "SELECT nextval('messages_id_seq'::regclass) AS id";

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
  readonly #driver: PostgresDriver;

  private constructor(driver: PostgresDriver) {
    this.#driver = driver;
    this.login = new PgLoginReads(driver);
  }

  static async open(driver: PostgresDriver): Promise<PostgresStore> {
    await migrate(driver);
    return new PostgresStore(driver);
  }

  async write<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    // The latest attempt's transaction (the driver runs the body again after a deadlock).
    const last: { tx: PgTx | null } = { tx: null };
    try {
      return await this.#driver.transaction('write', () => fn(last.tx = new PgTx(this.#driver.takeConn(), this.#driver, false, true)));
    } catch (err) {
      if (!isDuplicateRequest(err)) throw last.tx?.refusal(err) ?? err;
      // The request id was recorded already (a retry): the optimistic record failed, so
      // nothing of this attempt was committed. Run it again with the checked record, which
      // tells the caller it is a retry (putRequestResult → false) as the shared store does.
      try {
        return await this.#driver.transaction('write', () => fn(last.tx = new PgTx(this.#driver.takeConn(), this.#driver, true, true)));
      } catch (again) {
        throw last.tx?.refusal(again) ?? again;
      }
    }
  }

  read<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.#driver.transaction('read', () => fn(new PgTx(this.#driver.takeConn(), this.#driver, true, false)));
  }

  close(): Promise<void> {
    return this.#driver.close();
  }
}

/**
 * Draws a history message id from the `messages` sequence right behind a write
 * transaction's first read (sent in the same packet, answered with it): the message a
 * transition stores then costs no round trip of its own. Behind the read, not with BEGIN:
 * a transition's first read is the lock it decides under (the invitation row, a claimed
 * deadline, the group row), so the ids of one invitation's messages follow the order in
 * which its transitions took that lock, as they did when the id was drawn at the insert.
 * Ids drawn and not used are gaps, as rolled-back inserts leave.
 */
class FirstReadDraw {
  readonly conn: PgConn;
  #armed: boolean;
  #id: Promise<number> | null = null;

  constructor(inner: PgConn, write: boolean) {
    this.#armed = write;
    const behind = <T>(answer: Promise<T>): Promise<T> => {
      if (this.#armed) {
        this.#armed = false;
        this.#id = inner.later<{ id: number | string }>(NEXT_MESSAGE_ID).then((r) => Number(r[0]!.id));
        this.#id.catch(() => undefined);
      }
      return answer;
    };
    this.conn = {
      ...inner,
      all: <R>(sql: string, params?: readonly SqlValue[]) => behind(inner.all<R>(sql, params)),
      get: <R>(sql: string, params?: readonly SqlValue[]) => behind(inner.get<R>(sql, params)),
    };
  }

  /** The id drawn behind the first read, once (null: none was drawn, or it was taken). */
  take(): Promise<number> | null {
    this.#armed = false;
    const id = this.#id;
    this.#id = null;
    return id;
  }
}

/** The shared transaction, with the hot-path methods replaced. */
class PgTx extends SqlTx {
  readonly #pg: PgConn;
  /** putRequestResult asks whether the id is new (false: it assumes so, see there). */
  readonly #checkedRequests: boolean;
  /** A history message id drawn behind the transaction's first read (FirstReadDraw). */
  readonly #draw: FirstReadDraw;
  /** Set once the stored-bytes charge went out checked against a cap (chargeStoredBytes). */
  #overCap: (() => Error) | null = null;

  constructor(conn: PgConn, driver: PostgresDriver, checkedRequests: boolean, write: boolean) {
    const draw = new FirstReadDraw(conn, write);
    super(draw.conn, driver, write);
    this.#pg = draw.conn;
    this.#draw = draw;
    this.#checkedRequests = checkedRequests;
  }

  /**
   * The history message goes out without waiting, under an id drawn before (behind the
   * first read, or in its own round trip for a transaction's second message).
   */
  override async insertMessage(m: Omit<StoredMessage, 'id'>): Promise<number> {
    const payload = JSON.stringify(m.payload);
    this.stored += Buffer.byteLength(payload) + EVENT_ROW_BYTES;
    const drawn = this.#draw.take();
    const id = drawn !== null ? await drawn : Number((await this.#pg.get<{ id: number | string }>(NEXT_MESSAGE_ID))!.id);
    this.#pg.send('INSERT INTO messages (id, conv_key, sender, target, time, payload) VALUES (?, ?, ?, ?, ?, ?)', [id, m.convKey, m.from, m.to, m.time, payload]);
    return id;
  }

  /**
   * The idempotency record is the last write of a request, and a first attempt is the
   * common case: it is sent as a plain INSERT without waiting, so it reaches the server with
   * COMMIT in one round trip. A retry's id violates the primary key, which aborts the
   * transaction (COMMIT rolls back) and PostgresStore.write runs it again checked.
   */
  override async putRequestResult(userID: string, requestID: string, response: string, now: number): Promise<boolean> {
    if (this.#checkedRequests) return super.putRequestResult(userID, requestID, response, now);
    this.#pg.send('INSERT INTO requests (user_id, request_id, response, created_at) VALUES (?, ?, ?, ?)', [userID, requestID, response, now]);
    return true;
  }

  /**
   * The stored-bytes charge goes out without waiting; the statement itself fails (division by
   * zero, 22012) when the day's total passes the cap, which fails the transaction: refusal()
   * turns that failure into the caller's error.
   */
  override async chargeStoredBytes(userID: string, bytes: number, day: number, cap?: StoredBytesCap): Promise<number> {
    if (cap === undefined) return super.chargeStoredBytes(userID, bytes, day);
    this.#overCap = cap.refuse;
    this.#pg.send(
      `UPDATE users SET stored_bytes = CASE WHEN stored_day = ? THEN stored_bytes + ? ELSE ? END, stored_day = ? WHERE user_id = ?
       RETURNING 1 / (CASE WHEN stored_bytes > ? THEN 0 ELSE 1 END) AS within`,
      [day, bytes, bytes, day, userID, cap.bytes],
    );
    return bytes;
  }

  /** The error this transaction's failure `err` stands for: the stored-bytes cap's, or null (err itself). */
  refusal(err: unknown): Error | null {
    return this.#overCap !== null && (err as { code?: unknown }).code === '22012' ? this.#overCap() : null;
  }

  override async pendingLoad(inviter: string, invitees: readonly string[], now: number): Promise<PendingLoad> {
    // As the shared statements do (sql-store.ts PENDING_LOCK), sent without waiting: the
    // count below runs after it on this connection, so its snapshot follows the locks (one
    // statement would count from a snapshot taken before the wait).
    if (this.writable) this.#pg.send(PENDING_LOCK, [arr([inviter, ...invitees])]);
    const rows = await this.#pg.all<{ user_id: string | null; total: number | string; mine: number | string | null; strangers: number | string | null }>(PENDING_LOAD, [inviter, now, arr(invitees)]);
    let sent = 0;
    const toward: PendingLoad['toward'] = new Map();
    for (const r of rows) {
      if (r.user_id === null) sent = Number(r.total);
      else toward.set(r.user_id, { total: Number(r.total), fromInviter: Number(r.mine ?? 0), fromStrangers: Number(r.strangers ?? 0) });
    }
    return { sent, toward };
  }

  override async updateInvitation(before: Invitation, after: Invitation): Promise<void> {
    this.#pg.send('UPDATE invitations SET is_open = ?, body = ? WHERE invite_id = ?', [after.endReason === null ? 1 : 0, JSON.stringify(after), after.inviteID]);
    for (const userID of after.inviteeList) {
      const state = after.parts[userID];
      if (state !== undefined && state !== before.parts[userID]) {
        this.#pg.send('UPDATE invitation_parts SET state = ? WHERE invite_id = ? AND user_id = ?', [state, after.inviteID, userID]);
      }
    }
  }

  override async appendEvents(events: readonly NewEvent[], now: number): Promise<EventSeqs> {
    if (events.length === 0) return new Map();
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
    // Sent without waiting: its seqs are needed only to publish, after COMMIT, and the
    // users' rows it locks are held from here to COMMIT without a round trip in between.
    // Counted as stored for every recipient (an unknown user, who gets nothing, is rare).
    for (const e of distinct) this.stored += Buffer.byteLength(e.frame) + EVENT_ROW_BYTES;
    this.stored += users.length * REF_ROW_BYTES;
    const later = this.#pg.later<{ user_id: string; last_seq: number | string }>(APPEND_EVENTS, [
      arr(users), arr(ks), arr(distinct.map((e) => e.frame)), arr(distinct.map((e) => e.inviteID)), arr(distinct.map((e) => e.deadline)), now,
    ]).then((rows) => new Map(rows.map((r) => [r.user_id, Number(r.last_seq)])));
    later.catch(() => undefined);
    return { later };
  }
}
