/**
 * better-sqlite3 behind the SqlDriver interface. One connection in WAL mode.
 *
 * Transactions are queued, so an async transaction body never interleaves with another's
 * statements on the shared connection. Write transactions are committed in groups: the
 * first one opens a SQLite transaction and schedules its COMMIT for the end of the current
 * event-loop turn (setImmediate); requests read from other sockets in the same turn run
 * inside it, each in its own SAVEPOINT (one that fails rolls back alone). Every caller's
 * promise settles only after the shared COMMIT, so "resolved" still means "committed".
 * Under load this writes each touched page once per turn instead of once per request.
 * Statements are prepared once and cached.
 *
 * With the writer thread (journal-writer.ts; files only, `writerThread` or
 * RINGLET_SQLITE_WRITER=thread), a group starts as a journal
 * group: a read transaction on this connection, in which each request runs against memory
 * (hot-state.ts) and leaves at most its journal row; at the group's end its rows go to the
 * writer thread in one batch and the callers' promises settle when that thread has
 * committed them. A request that writes anything else (the first such statement throws
 * NeedsWriter before it runs; its changes to memory are undone) is run again in a write
 * group on this connection, which begins only once the writer thread has committed
 * everything handed to it: the file has one writer at a time, and commits land in the
 * order their requests ran. A read waits for the same, so it never sees a row that is not
 * committed.
 */
import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { SqlConn, SqlDriver, SqlValue } from '../driver.ts';
import { ensurePrivateSqliteFiles } from '../file-modes.ts';
import { Checkpointer } from './checkpointer.ts';
import { JournalWriter, type JournalRow } from './journal-writer.ts';

/** Thrown by a statement that would write in a journal group: the request is run again in a write group. */
export class NeedsWriter extends Error {
  constructor() {
    super('this request writes beyond the journal: run again in a write group');
  }
}

interface Job {
  mode: 'write' | 'read';
  /** Runs in a write group (it writes beyond the journal). */
  general?: boolean;
  fn: (conn: SqlConn) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}
type Outcome = { job: Job; ok: true; value: unknown } | { job: Job; ok: false; err: unknown };

/** A marker in the queue: commit the open group now. */
const COMMIT = Symbol('commit');
/** The WAL file is brought back to its start once it grows past this. */
const WAL_LIMIT_BYTES = 64 * 1024 * 1024;
/** How often (at most) a commit looks at the WAL's size. */
const WAL_CHECK_MS = 250;
/** Bytes per page of a new database file. */
const PAGE_SIZE = 1024;
/** Most write transactions committed together. */
const MAX_GROUP = 256;
/** Writes that could use the writer thread before it is started (a short-lived process, such as the admin command, never starts it). */
const WRITER_AFTER = 64;

export class SqliteDriver implements SqlDriver {
  readonly dialect = 'sqlite' as const;
  readonly lockRows = '';
  readonly lockSkipLocked = '';
  readonly #db: Database.Database;
  readonly #cache = new Map<string, Database.Statement>();
  readonly #conn: SqlConn;
  readonly #jobs: Array<Job | typeof COMMIT> = [];
  /** Outcomes of the write jobs in the open (uncommitted) group, or null. */
  #group: Outcome[] | null = null;
  /** What the open group is: a write transaction here, or a journal group (see the top). */
  #kind: 'write' | 'journal' = 'write';
  /** The open journal group's rows, and the writer's epoch when it began. */
  #rows: JournalRow[] = [];
  #epoch = 0;
  /** A statement of the running job would have written in a journal group. */
  #wantsWriter = false;
  #writer: JournalWriter | null = null;
  /** The file the writer thread is for, until it is started (see #writerUsable). */
  #writerPath: string | null = null;
  /** Writes so far that could have used the thread. */
  #eligible = 0;
  #busy = false;
  #checkpointer: Checkpointer | null = null;
  #walPath: string | null = null;
  #walCheckedAt = 0;
  #walLimit = WAL_LIMIT_BYTES;
  #walCheckMs = WAL_CHECK_MS;
  /** The WAL is past its limit and a RESTART found the worker busy: the next group waits for it. */
  #walOver = false;
  /** The running (or last) drain, for close() and exec() to wait on. */
  #draining: Promise<void> = Promise.resolve();
  #closed = false;
  /** Told, before any caller hears of it, that a COMMIT failed and rolled back a whole group. */
  #commitFailed: Array<() => void> = [];

  /**
   * `path` is a file path or ':memory:'. `walLimitBytes` bounds the WAL file and
   * `walCheckMs` is how often a commit looks at its size (tests make both small).
   */
  constructor(path: string, options: { walLimitBytes?: number; walCheckMs?: number; writerThread?: boolean } = {}) {
    const onDisk = path !== ':memory:' && path !== '';
    if (onDisk) ensurePrivateSqliteFiles(path);
    this.#db = new Database(path);
    // Small pages for a new file (an existing one keeps its size): a commit writes each page
    // it touches to the WAL whole, and an invite or accept touches one leaf in each of some
    // 15 B-trees, so the page size sets the bytes written per commit (issue 12).
    this.#db.pragma(`page_size = ${PAGE_SIZE}`);
    this.#db.pragma('journal_mode = WAL');
    // SQLite creates -wal/-shm with the database file's mode; this also fixes older ones.
    if (onDisk) ensurePrivateSqliteFiles(path);
    // WAL + NORMAL: a commit survives a process crash (SIGKILL); only an OS crash can lose
    // the last transactions. busy_timeout covers a second process (e.g. a CLI) touching the file.
    this.#db.pragma('synchronous = NORMAL');
    this.#db.pragma('busy_timeout = 5000');
    this.#db.pragma('cache_size = -65536'); // 64 MiB of page cache
    this.#db.pragma('temp_store = MEMORY');
    if (path !== ':memory:' && path !== '') {
      // Checkpoints run in a worker thread (checkpointer.ts); see #boundWal for the rest.
      this.#checkpointer = Checkpointer.start(path);
      if (this.#checkpointer) {
        this.#walPath = `${path}-wal`;
        this.#db.pragma('wal_autocheckpoint = 0');
        this.#walLimit = options.walLimitBytes ?? WAL_LIMIT_BYTES;
        this.#walCheckMs = options.walCheckMs ?? WAL_CHECK_MS;
        this.#db.pragma(`journal_size_limit = ${this.#walLimit}`);
      }
      // Off unless asked for (RINGLET_SQLITE_WRITER=thread): see SCALE-OUT.md for what it costs.
      this.#writerPath = options.writerThread ?? process.env.RINGLET_SQLITE_WRITER === 'thread' ? path : null;
    }
    const stmt = (sql: string) => {
      const s = this.#statement(sql);
      if (this.#group && this.#kind === 'journal' && !s.readonly) this.#needWriter();
      return s;
    };
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

  /**
   * `f` runs when a COMMIT fails (disk full, I/O error), after the rollback and before the
   * next transaction starts: whatever a store keeps in memory about the group's jobs, each
   * of which had succeeded, is void (sqlite/store.ts reloads its journal).
   */
  onCommitFailed(f: () => void): void {
    this.#commitFailed.push(f);
  }

  /** `general`: the transaction writes beyond the journal (it runs in a write group at once). */
  transaction<T>(mode: 'write' | 'read', fn: (conn: SqlConn) => Promise<T>, general = false): Promise<T> {
    if (this.#closed) return Promise.reject(new Error('store is closed'));
    return new Promise<T>((resolve, reject) => this.#enqueue({ mode, general, fn, resolve: resolve as (v: unknown) => void, reject }));
  }

  /** Stores a journal row: handed to the writer thread in a journal group, inserted here otherwise. */
  async appendJournal(c: SqlConn, id: number, body: string): Promise<void> {
    if (this.#group && this.#kind === 'journal') this.#rows.push([id, body]);
    else await c.run('INSERT INTO journal (id, body) VALUES (?, ?)', [id, body]);
  }

  /** Throws NeedsWriter in a journal group (a catch-up is about to write). */
  requireWriter(): void {
    if (this.#group && this.#kind === 'journal') this.#needWriter();
  }

  /** Whether the running job met a write in a journal group (even if it caught the error): it must be undone and run again. */
  get wantsWriter(): boolean {
    return this.#wantsWriter;
  }

  #needWriter(): never {
    this.#wantsWriter = true;
    throw new NeedsWriter();
  }

  /** Starts the writer thread if it is not yet, and resolves once it takes rows (false: there is none). */
  async writerUp(): Promise<boolean> {
    this.#startWriter();
    if (!this.#writer) return false;
    await this.#writer.whenReady();
    return true;
  }

  /** Every row handed to the writer thread is committed (or failed): this connection may write. */
  #writerIdle(): Promise<void> {
    return this.#writer ? this.#writer.whenIdle() : Promise.resolve();
  }

  /**
   * Whether a journal group may begin. The thread starts after WRITER_AFTER writes that
   * could use it; until it is up, groups are write groups.
   */
  #writerUsable(): boolean {
    if (!this.#writer && this.#writerPath !== null && ++this.#eligible >= WRITER_AFTER) this.#startWriter();
    return this.#writer !== null && this.#writer.usable;
  }

  #startWriter(): void {
    if (this.#writer || this.#writerPath === null) return;
    this.#writer = JournalWriter.start(this.#writerPath, () => {
      for (const f of this.#commitFailed) f();
    });
    this.#writerPath = null;
  }

  #enqueue(item: Job | typeof COMMIT): void {
    this.#jobs.push(item);
    if (this.#busy) return;
    // Set before the call: #drain may run to its end synchronously and clear it.
    this.#busy = true;
    this.#draining = this.#drain();
  }

  /** Runs queued jobs one at a time until none is left. */
  async #drain(): Promise<void> {
    for (;;) {
      const item = this.#jobs.shift();
      if (item === undefined) {
        this.#busy = false;
        return;
      }
      if (item === COMMIT) {
        this.#commit();
      } else if (item.mode === 'read') {
        this.#commit(); // a read sees only committed data
        await this.#writerIdle();
        await this.#runRead(item);
      } else {
        if (this.#group && this.#kind === 'journal' && item.general) this.#commit();
        if (!this.#group) {
          const journal = !item.general && !this.#walOver && this.#writerUsable();
          if (!journal) await this.#writerIdle();
          if (this.#walOver) await this.#restartWal();
          if (!this.#begin(item, journal ? 'journal' : 'write')) continue;
        }
        await this.#runWrite(item);
        if (this.#group && this.#group.length >= MAX_GROUP) this.#commit();
      }
    }
  }

  #begin(first: Job, kind: 'write' | 'journal'): boolean {
    try {
      this.#statement(kind === 'journal' ? 'BEGIN' : 'BEGIN IMMEDIATE').run();
    } catch (err) {
      first.reject(err);
      return false;
    }
    this.#kind = kind;
    this.#rows = [];
    this.#epoch = this.#writer?.epoch ?? 0;
    this.#group = [];
    setImmediate(() => this.#enqueue(COMMIT));
    return true;
  }

  async #runWrite(job: Job): Promise<void> {
    this.#wantsWriter = false;
    if (this.#kind === 'journal') return this.#runJournalJob(job);
    if (this.#group!.length === 0) return this.#runFirstWrite(job);
    this.#statement('SAVEPOINT job').run();
    try {
      const value = await job.fn(this.#conn);
      this.#statement('RELEASE job').run();
      this.#group!.push({ job, ok: true, value });
    } catch (err) {
      this.#statement('ROLLBACK TO job').run();
      this.#statement('RELEASE job').run();
      this.#group!.push({ job, ok: false, err });
    }
  }

  /**
   * A job of a journal group: it writes nothing here (its journal row is kept aside), so
   * it needs no savepoint. One that would write ends the group and is queued again first,
   * for a write group.
   */
  async #runJournalJob(job: Job): Promise<void> {
    const mark = this.#rows.length;
    try {
      const value = await job.fn(this.#conn);
      if (this.#wantsWriter) throw new NeedsWriter();
      this.#group!.push({ job, ok: true, value });
    } catch (err) {
      this.#rows.length = mark;
      if (!this.#wantsWriter) {
        this.#group!.push({ job, ok: false, err });
        return;
      }
      this.#wantsWriter = false;
      job.general = true;
      this.#jobs.unshift(job);
      this.#commit();
    }
  }

  /**
   * The first job of a group needs no savepoint (two statements saved on every lone
   * request): if it fails, the whole transaction holds nothing else and is rolled back.
   */
  async #runFirstWrite(job: Job): Promise<void> {
    try {
      const value = await job.fn(this.#conn);
      this.#group!.push({ job, ok: true, value });
    } catch (err) {
      this.#statement('ROLLBACK').run();
      this.#group = null;
      job.reject(err);
    }
  }

  /** Commits the open group, if any, and settles its callers. */
  #commit(): void {
    const group = this.#group;
    if (!group) return;
    this.#group = null;
    if (this.#kind === 'journal') return this.#endJournalGroup(group);
    try {
      this.#statement('COMMIT').run();
    } catch (err) {
      // COMMIT failed (disk full, I/O error): nothing of the group is committed.
      if (this.#db.inTransaction) this.#statement('ROLLBACK').run();
      for (const f of this.#commitFailed) f();
      for (const o of group) o.job.reject(err);
      return;
    }
    for (const o of group) {
      if (o.ok) o.job.resolve(o.value);
      else o.job.reject(o.err);
    }
    this.#boundWal();
  }

  /**
   * Ends a journal group: its read transaction here, then its rows to the writer thread.
   * Its callers settle once that thread has committed them (an empty batch too: what they
   * read may stand on rows still in flight). A group that began before a failed COMMIT of
   * the writer was built on voided memory: it fails whole.
   */
  #endJournalGroup(group: Outcome[]): void {
    try {
      this.#statement('COMMIT').run();
    } catch {
      if (this.#db.inTransaction) this.#statement('ROLLBACK').run();
    }
    const rows = this.#rows;
    this.#rows = [];
    const ok: Job[] = [];
    for (const o of group) {
      if (o.ok) ok.push(o.job);
      else o.job.reject(o.err);
    }
    const values = new Map(group.flatMap((o) => (o.ok ? [[o.job, o.value] as const] : [])));
    const writer = this.#writer!;
    if (writer.epoch !== this.#epoch) {
      const err = new Error('an earlier journal commit failed; nothing of this request was applied');
      for (const j of ok) j.reject(err);
      return;
    }
    if (ok.length === 0) return;
    writer.post(rows, () => { for (const j of ok) j.resolve(values.get(j)); }, (err) => { for (const j of ok) j.reject(err); });
  }

  /**
   * Keeps the WAL file bounded. The worker's PASSIVE checkpoints copy pages back but can
   * never let the WAL start over while writes keep coming; so, between two groups, when
   * the file has grown past the limit, this connection runs a RESTART checkpoint. The
   * worker has already copied nearly everything, so it is short; the next write then
   * reuses the WAL from its start and the file is truncated to the limit.
   */
  #boundWal(): void {
    if (!this.#walPath) return;
    const now = Date.now();
    if (now - this.#walCheckedAt < this.#walCheckMs) return;
    this.#walCheckedAt = now;
    let size = 0;
    try {
      size = statSync(this.#walPath).size;
    } catch {
      return;
    }
    if (size <= this.#walLimit) return;
    try {
      const [r] = this.#db.pragma('wal_checkpoint(RESTART)') as Array<{ busy: number }>;
      // The worker was mid-checkpoint: the next group first waits for it (#restartWal).
      if (r?.busy) this.#walOver = true;
    } catch {
      this.#walOver = true;
    }
  }

  /**
   * The WAL passed its limit while the worker was checkpointing: pause the worker (which
   * waits for its checkpoint to end), restart the WAL here, resume. Writes wait meanwhile,
   * so the file never grows more than one group past the limit, however slow the machine.
   */
  async #restartWal(): Promise<void> {
    this.#walOver = false;
    await this.#writerIdle();
    const worker = this.#checkpointer;
    if (!worker) return;
    await worker.pause();
    try {
      this.#db.pragma('wal_checkpoint(RESTART)');
    } catch {
      // An I/O error here surfaces at the next write; the bound is tried again past the limit.
    } finally {
      worker.resume();
    }
  }

  async #runRead(job: Job): Promise<void> {
    let value: unknown;
    try {
      this.#statement('BEGIN').run();
      value = await job.fn(this.#conn);
    } catch (err) {
      if (this.#db.inTransaction) this.#statement('ROLLBACK').run();
      job.reject(err);
      return;
    }
    try {
      // A read may have written (a store applying what it queued: sqlite/store.ts).
      this.#statement('COMMIT').run();
    } catch (err) {
      if (this.#db.inTransaction) this.#statement('ROLLBACK').run();
      for (const f of this.#commitFailed) f();
      job.reject(err);
      return;
    }
    job.resolve(value);
  }

  async exec(sql: string): Promise<void> {
    await this.#draining;
    this.#commit();
    await this.#writerIdle();
    this.#db.exec(sql);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#enqueue(COMMIT);
    await this.#draining.catch(() => undefined);
    await this.#writer?.stop();
    await this.#checkpointer?.stop();
    this.#cache.clear();
    this.#db.close();
  }
}
