/**
 * The tiny SQL driver interface both backends implement. SQL text is shared: `?`
 * placeholders (the PostgreSQL driver numbers them), and only the common subset of the
 * two dialects (ON CONFLICT, RETURNING, partial indexes).
 */
export type SqlValue = string | number | null;

export interface SqlConn {
  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  get<T>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  /** Returns the number of rows changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
}

export interface SqlDriver {
  readonly dialect: 'sqlite' | 'postgres';
  /** Appended to a SELECT that must lock the rows it reads (PostgreSQL: ' FOR UPDATE'). */
  readonly lockRows: string;
  /** Appended to a SELECT of due work that several nodes compete for. */
  readonly lockSkipLocked: string;
  /**
   * Runs `fn` in one transaction: committed if it resolves, rolled back if it rejects.
   * 'read' transactions see one consistent snapshot and write nothing.
   */
  transaction<T>(mode: 'write' | 'read', fn: (conn: SqlConn) => Promise<T>): Promise<T>;
  /** Runs a multi-statement script outside any transaction (migrations). */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}
