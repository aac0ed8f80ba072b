/**
 * better-sqlite3 behind the SqlDriver interface. One connection in WAL mode; transactions
 * are queued so that an async transaction body never interleaves with another's
 * statements on the shared connection. Statements are prepared once and cached.
 */
import Database from 'better-sqlite3';
import type { SqlConn, SqlDriver, SqlValue } from '../driver.ts';

export class SqliteDriver implements SqlDriver {
  readonly dialect = 'sqlite' as const;
  readonly lockRows = '';
  readonly lockSkipLocked = '';
  readonly #db: Database.Database;
  readonly #cache = new Map<string, Database.Statement>();
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;
  readonly #conn: SqlConn;

  /** `path` is a file path or ':memory:'. */
  constructor(path: string) {
    this.#db = new Database(path);
    this.#db.pragma('journal_mode = WAL');
    // WAL + NORMAL: a commit survives a process crash (SIGKILL); only an OS crash can lose
    // the last transactions. busy_timeout covers a second process (e.g. a CLI) touching the file.
    this.#db.pragma('synchronous = NORMAL');
    this.#db.pragma('busy_timeout = 5000');
    this.#db.pragma('foreign_keys = ON');
    const stmt = (sql: string) => this.#statement(sql);
    this.#conn = {
      all: async <T>(sql: string, params: readonly SqlValue[] = []) => stmt(sql).all(...params) as T[],
      get: async <T>(sql: string, params: readonly SqlValue[] = []) => stmt(sql).get(...params) as T | undefined,
      run: async (sql: string, params: readonly SqlValue[] = []) => stmt(sql).run(...params).changes,
    };
  }

  #statement(sql: string): Database.Statement {
    let s = this.#cache.get(sql);
    if (!s) {
      s = this.#db.prepare(sql);
      this.#cache.set(sql, s);
    }
    return s;
  }

  transaction<T>(mode: 'write' | 'read', fn: (conn: SqlConn) => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new Error('store is closed'));
    const run = async (): Promise<T> => {
      this.#statement(mode === 'write' ? 'BEGIN IMMEDIATE' : 'BEGIN').run();
      try {
        const result = await fn(this.#conn);
        this.#statement('COMMIT').run();
        return result;
      } catch (err) {
        if (this.#db.inTransaction) this.#statement('ROLLBACK').run();
        throw err;
      }
    };
    const result = this.#queue.then(run, run);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  async exec(sql: string): Promise<void> {
    await this.#queue;
    this.#db.exec(sql);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#queue.catch(() => undefined);
    this.#cache.clear();
    this.#db.close();
  }
}
