/**
 * PostgreSQL (node-postgres pool) behind the SqlDriver interface. The shared SQL uses `?`
 * placeholders; they are numbered here. Rows that a transition changes are locked with
 * SELECT … FOR UPDATE, due deadlines are claimed with FOR UPDATE SKIP LOCKED.
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

export class PostgresDriver implements SqlDriver {
  readonly dialect = 'postgres' as const;
  readonly lockRows = ' FOR UPDATE';
  readonly lockSkipLocked = ' FOR UPDATE SKIP LOCKED';
  readonly #pool: pg.Pool;

  private constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  static async connect(url: string, max = 10): Promise<PostgresDriver> {
    const pool = new pg.Pool({ connectionString: url, max });
    // An idle client that loses its connection must not crash the process.
    pool.on('error', () => undefined);
    const client = await pool.connect();
    client.release();
    return new PostgresDriver(pool);
  }

  async transaction<T>(mode: 'write' | 'read', fn: (conn: SqlConn) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
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
      client.release();
      return result;
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

  async exec(sql: string): Promise<void> {
    await this.#pool.query(sql);
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}
