/**
 * PostgreSQL (node-postgres pool) behind the SqlDriver interface. The shared SQL uses `?`
 * placeholders; they are numbered here. Rows that a transition changes are locked with
 * SELECT … FOR UPDATE, due deadlines are claimed with FOR UPDATE SKIP LOCKED.
 *
 * Write transactions run at READ COMMITTED: every transition first locks the rows it
 * decides on (invitation, group), and a locked re-read sees the latest committed row, so
 * two crossing actions serialize on that lock and the second sees the first's outcome.
 * Several nodes share the database, so a deadlock (40P01) or a serialization failure
 * (40001) is possible when two transactions touch the same users' rows in a different
 * order; such a transaction is rolled back by PostgreSQL and run again from the start here
 * (its body only reads and writes through the transaction, so a re-run is safe).
 *
 * Round trips: connections run in pipeline mode. BEGIN goes out with the transaction's
 * first statement, and a write whose outcome is known unless it fails (statements.ts,
 * knownRowCount) goes out without waiting: its answer is collected with the next statement
 * that is waited for, or with COMMIT. An error of such a write aborts the transaction in
 * PostgreSQL (later statements fail, COMMIT rolls back); it is the error the transaction
 * reports, so a deadlock there is retried like any other. A transaction is answered only
 * after COMMIT returned COMMIT. Frequent statements are prepared once per connection.
 */
import pg from 'pg';
import type { SqlConn, SqlDriver, SqlValue } from '../driver.ts';
import { knownRowCount, numberPlaceholders, StatementNames } from './statements.ts';

// BIGINT columns hold ms timestamps and sequence numbers, all far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));


/** SQLSTATEs after which the whole transaction may simply be run again. */
const RETRYABLE = new Set(['40P01', '40001']);
const MAX_ATTEMPTS = 8;
/** Key of the advisory lock that serializes schema work of nodes starting together. */
const MIGRATION_LOCK = 0x52494e47; // 'RING'

/** The driver's connection: the shared interface plus a write sent without waiting. */
export interface PgConn extends SqlConn {
  /** Sends a write whose outcome the caller does not need; an error fails the transaction. */
  send(sql: string, params?: readonly SqlValue[]): void;
  /**
   * Sends a statement whose rows the caller needs only later (at the latest once the
   * transaction has committed), without waiting: it leaves with the next statement that is
   * waited for, or with COMMIT. Its error is the transaction's, as with `send`; the promise
   * returned then rejects too (the caller must handle that).
   */
  later<R>(sql: string, params?: readonly SqlValue[]): Promise<R[]>;
}

export interface PostgresDriverOptions {
  /** Pool size per node. Default: RINGLET_PG_POOL_MAX or 10. */
  max?: number;
}

export class PostgresDriver implements SqlDriver {
  readonly dialect = 'postgres' as const;
  readonly lockRows = ' FOR UPDATE';
  readonly lockSkipLocked = ' FOR UPDATE SKIP LOCKED';
  readonly #pool: pg.Pool;
  readonly #names = new StatementNames();
  #closed = false;
  /** The connection handed to the latest transaction body, until takeConn (store.ts). */
  #handoff: PgConn | null = null;
  /** Transactions re-run after a deadlock or serialization failure (for tests and logs). */
  retries = 0;

  private constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  static async connect(url: string, options: PostgresDriverOptions = {}): Promise<PostgresDriver> {
    const max = options.max ?? (Number(process.env.RINGLET_PG_POOL_MAX) || 10);
    const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 10_000, pipeline: true } as pg.PoolConfig);
    // An idle client that loses its connection must not crash the process.
    pool.on('error', () => undefined);
    const client = await pool.connect();
    client.release();
    return new PostgresDriver(pool);
  }

  async transaction<T>(mode: 'write' | 'read', fn: (conn: SqlConn) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#once(mode, fn);
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        if (typeof code !== 'string' || !RETRYABLE.has(code) || attempt >= MAX_ATTEMPTS || this.#closed) throw err;
        this.retries++;
        // Jittered, growing pause so the two transactions do not collide again.
        await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
      }
    }
  }

  async #once<T>(mode: 'write' | 'read', fn: (conn: SqlConn) => Promise<T>): Promise<T> {
    if (this.#closed) throw new Error('store is closed');
    const client = await this.#pool.connect();
    // A connection that breaks while checked out reports here instead of crashing the process.
    const onError = () => undefined;
    client.on('error', onError);
    const tx = new Pipeline(client, this.#names);
    tx.send(mode === 'write' ? 'BEGIN' : 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      this.#handoff = tx.conn;
      const result = await fn(tx.conn);
      await tx.commit();
      client.off('error', onError);
      client.release();
      return result;
    } catch (err) {
      // A write sent without waiting may have failed first: that is why the rest failed.
      const first = await tx.firstError();
      try {
        await client.query('ROLLBACK');
        client.off('error', onError);
        client.release();
      } catch {
        client.release(true);
      }
      throw first ?? err;
    }
  }

  /**
   * One statement on its own, outside any transaction (atomic, one snapshot), prepared under
   * `name` on each connection: one round trip, no BEGIN/COMMIT (login-reads.ts). Run again
   * after a deadlock or serialization failure, as transactions are (it must be idempotent).
   */
  async statement<R>(name: string, text: string, values: readonly SqlValue[]): Promise<R[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#statementOnce<R>(name, text, values);
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        if (typeof code !== 'string' || !RETRYABLE.has(code) || attempt >= MAX_ATTEMPTS || this.#closed) throw err;
        this.retries++;
        await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
      }
    }
  }

  async #statementOnce<R>(name: string, text: string, values: readonly SqlValue[]): Promise<R[]> {
    if (this.#closed) throw new Error('store is closed');
    const client = await this.#pool.connect();
    const onError = () => undefined;
    client.on('error', onError);
    try {
      const r = await client.query({ name, text, values: values as SqlValue[] });
      client.off('error', onError);
      client.release();
      return r.rows as R[];
    } catch (err) {
      client.off('error', onError);
      // A statement error leaves the connection usable; a broken connection is dropped.
      client.release((err as { code?: unknown }).code === undefined ? true : undefined);
      throw err;
    }
  }

  /**
   * The connection of the transaction whose body is starting: called synchronously by that
   * body (store.ts wraps the shared store's transaction object), so it is never another's.
   */
  takeConn(): PgConn {
    const conn = this.#handoff;
    this.#handoff = null;
    if (conn === null) throw new Error('takeConn outside the start of a transaction body');
    return conn;
  }

  /**
   * Runs schema SQL under a transaction-scoped advisory lock: nodes that start at the same
   * time on a fresh database would otherwise race on CREATE TABLE IF NOT EXISTS.
   */
  async exec(sql: string): Promise<void> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await client.query(sql);
      await client.query('COMMIT');
      client.release();
    } catch (err) {
      try {
        await client.query('ROLLBACK');
        client.release();
      } catch {
        client.release(true);
      }
      throw err;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }
}

/** One transaction's statements on one pipelined connection. */
class Pipeline {
  readonly #client: pg.PoolClient;
  readonly #names: StatementNames;
  /** Statements sent without waiting; each settles (never rejects) when answered. */
  readonly #unawaited: Promise<void>[] = [];
  #failed = false;
  #error: unknown = null;
  #corked = false;
  readonly conn: PgConn;

  constructor(client: pg.PoolClient, names: StatementNames) {
    this.#client = client;
    this.#names = names;
    this.conn = {
      all: async <R>(sql: string, params?: readonly SqlValue[]) => (await this.#wait(sql, params)).rows as R[],
      get: async <R>(sql: string, params?: readonly SqlValue[]) => (await this.#wait(sql, params)).rows[0] as R | undefined,
      run: async (sql: string, params?: readonly SqlValue[]) => {
        const rows = knownRowCount(sql);
        if (rows === null) return (await this.#wait(sql, params)).rowCount ?? 0;
        this.#track(this.#query(sql, params));
        return rows;
      },
      send: (sql: string, params?: readonly SqlValue[]) => this.sendWrite(sql, params),
      later: async <R>(sql: string, params?: readonly SqlValue[]) => {
        const p = this.#query(sql, params);
        this.#track(p);
        return (await p).rows as R[];
      },
    };
  }

  /** A simple statement (BEGIN) sent without waiting. */
  send(sql: string): void {
    this.#cork();
    this.#track(this.#client.query(sql));
  }

  /** A write sent without waiting (its error is the transaction's). */
  sendWrite(sql: string, params?: readonly SqlValue[]): void {
    this.#track(this.#query(sql, params));
  }

  /** The transaction's first failed statement (waited for or not), once all sent are answered. */
  async firstError(): Promise<unknown> {
    await Promise.all(this.#unawaited);
    return this.#failed ? this.#error : null;
  }

  async commit(): Promise<void> {
    this.#cork();
    const r = await this.#client.query('COMMIT');
    const first = await this.firstError();
    if (first !== null) throw first;
    // PostgreSQL answers COMMIT of a failed transaction with ROLLBACK, not an error.
    if (r.command !== 'COMMIT') throw new Error(`transaction ended in ${r.command}, not COMMIT`);
  }

  /**
   * Holds the socket's writes until this turn of the event loop is over: BEGIN and the first
   * statement, the writes sent without waiting and the statement (or COMMIT) behind them
   * leave in one system call instead of one each.
   */
  #cork(): void {
    if (this.#corked) return;
    const stream = (this.#client as unknown as { connection: { stream: NodeJS.WritableStream & { cork(): void; uncork(): void } } }).connection.stream;
    stream.cork();
    this.#corked = true;
    setImmediate(() => {
      this.#corked = false;
      stream.uncork();
    });
  }

  #query(sql: string, params: readonly SqlValue[] = []): Promise<pg.QueryResult> {
    this.#cork();
    const text = numberPlaceholders(sql);
    const name = this.#names.nameOf(text);
    const values = params as SqlValue[];
    return this.#client.query(name === undefined ? { text, values } : { name, text, values });
  }

  async #wait(sql: string, params?: readonly SqlValue[]): Promise<pg.QueryResult> {
    try {
      return await this.#query(sql, params);
    } catch (err) {
      // After the first error every statement fails with 25P02 (transaction aborted): the
      // first one is what happened (a deadlock there must be retried, not reported as 25P02).
      const first = await this.firstError();
      this.#fail(err);
      throw first ?? err;
    }
  }

  #track(p: Promise<unknown>): void {
    this.#unawaited.push(p.then(() => undefined, (err: unknown) => this.#fail(err)));
  }

  #fail(err: unknown): void {
    if (!this.#failed) {
      this.#failed = true;
      this.#error = err;
    }
  }
}
