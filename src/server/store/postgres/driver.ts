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
 */
import pg from 'pg';
import type { SqlConn, SqlDriver, SqlValue } from '../driver.ts';

// BIGINT columns hold ms timestamps and sequence numbers, all far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));

const numbered = new Map<string, string>();
/** Rewrites `?` placeholders as $1, $2, … (the shared SQL never has a literal `?`). */
export function numberPlaceholders(sql: string): string {
  let out = numbered.get(sql);
  if (out === undefined) {
    let i = 0;
    out = sql.replace(/\?/g, () => `$${++i}`);
    numbered.set(sql, out);
  }
  return out;
}

/** SQLSTATEs after which the whole transaction may simply be run again. */
const RETRYABLE = new Set(['40P01', '40001']);
const MAX_ATTEMPTS = 8;
/** Key of the advisory lock that serializes schema work of nodes starting together. */
const MIGRATION_LOCK = 0x52494e47; // 'RING'

export interface PostgresDriverOptions {
  /** Pool size per node. Default: RINGLET_PG_POOL_MAX or 10. */
  max?: number;
}

export class PostgresDriver implements SqlDriver {
  readonly dialect = 'postgres' as const;
  readonly lockRows = ' FOR UPDATE';
  readonly lockSkipLocked = ' FOR UPDATE SKIP LOCKED';
  readonly #pool: pg.Pool;
  #closed = false;
  /** Transactions re-run after a deadlock or serialization failure (for tests and logs). */
  retries = 0;

  private constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  static async connect(url: string, options: PostgresDriverOptions = {}): Promise<PostgresDriver> {
    const max = options.max ?? (Number(process.env.RINGLET_PG_POOL_MAX) || 10);
    const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 10_000 });
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
    const q = async (sql: string, params: readonly SqlValue[] = []) => client.query(numberPlaceholders(sql), params as SqlValue[]);
    const conn: SqlConn = {
      all: async <R>(sql: string, params?: readonly SqlValue[]) => (await q(sql, params)).rows as R[],
      get: async <R>(sql: string, params?: readonly SqlValue[]) => (await q(sql, params)).rows[0] as R | undefined,
      run: async (sql: string, params?: readonly SqlValue[]) => (await q(sql, params)).rowCount ?? 0,
    };
    try {
      await client.query(mode === 'write' ? 'BEGIN' : 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const result = await fn(conn);
      await client.query('COMMIT');
      client.off('error', onError);
      client.release();
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
        client.off('error', onError);
        client.release();
      } catch {
        client.release(true);
      }
      throw err;
    }
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
