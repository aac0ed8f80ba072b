/**
 * The writer thread (issue 19 step 2): a worker thread with its own connection to the
 * database file that appends journal rows and commits them. The main thread runs a
 * transition against memory (hot-state.ts) and hands over its journal row only; the reply
 * waits for this thread's COMMIT. Batching is natural: the rows that arrive while a COMMIT
 * runs are committed together by the next one (no timer: an idle writer commits at once).
 *
 * A row is stored deflated (a BLOB; journal.ts reads either form).
 *
 * Order: batches are committed in the order they were posted. After a failed COMMIT the
 * thread refuses every batch until the main thread, having voided what it held in memory,
 * says `reset`: nothing built on the failed rows is ever committed.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

// Plain CommonJS, evaluated in the worker: no loader or transpiler needed there (as checkpointer.ts).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { deflateRawSync } = require('node:zlib');
const Database = require(workerData.module);
const db = new Database(workerData.path);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.pragma('busy_timeout = 5000');
db.pragma('wal_autocheckpoint = 0');
// Prepared at the first batch: the journal table may not exist before the migrations ran.
let insert = null, begin = null, commit = null;
let queue = [];
let scheduled = false;
let failed = null;
function flush() {
  scheduled = false;
  const batch = queue;
  queue = [];
  if (batch.length === 0) return;
  const seqs = batch.map((b) => b.seq);
  if (failed !== null) return parentPort.postMessage({ t: 'failed', seqs, error: failed, latched: true });
  try {
    if (batch.some((b) => b.rows.length > 0)) {
      if (insert === null) {
        insert = db.prepare('INSERT INTO journal (id, body) VALUES (?, ?)');
        begin = db.prepare('BEGIN IMMEDIATE');
        commit = db.prepare('COMMIT');
      }
      begin.run();
      // Deflated here, off the main thread: a row's JSON repeats its IDs and views (about 3x smaller, 1-2 pages instead of 4).
      for (const b of batch) for (const r of b.rows) insert.run(r[0], deflateRawSync(r[1], { level: 1 }));
      commit.run();
      return parentPort.postMessage({ t: 'done', seqs, committed: true });
    }
    parentPort.postMessage({ t: 'done', seqs, committed: false });
  } catch (err) {
    try { if (db.inTransaction) db.exec('ROLLBACK'); } catch {}
    failed = String((err && err.message) || err);
    parentPort.postMessage({ t: 'failed', seqs, error: failed });
  }
}
parentPort.postMessage({ t: 'ready' });
parentPort.on('message', (m) => {
  if (m.t === 'rows') {
    if (failed !== null) return parentPort.postMessage({ t: 'failed', seqs: [m.seq], error: failed, latched: true });
    queue.push(m);
    if (!scheduled) { scheduled = true; setImmediate(flush); }
  } else if (m.t === 'reset') {
    failed = null;
  } else if (m.t === 'stop') {
    flush();
    db.close();
    parentPort.postMessage({ t: 'stopped' });
  }
});
`;

/** One journal row: its id and its text. */
export type JournalRow = [id: number, body: string];

interface Waiting {
  done: () => void;
  fail: (err: Error) => void;
}

/** `latched`: refused because an earlier COMMIT failed (not a failure of its own). */
type Reply = { t: 'ready' } | { t: 'done'; seqs: number[]; committed: boolean } | { t: 'failed'; seqs: number[]; error: string; latched?: boolean } | { t: 'stopped' };

/** Commits and batches of every writer thread in this process (the bench's commits per pair). */
export const journalWriterStats = { commits: 0, batches: 0 };

export class JournalWriter {
  readonly #worker: Worker;
  readonly #onFailure: (err: Error) => void;
  #next = 1;
  readonly #waiting = new Map<number, Waiting>();
  #idle: Array<() => void> = [];
  /** Raised by every failure: a group built before it must not be posted (driver.ts). */
  #epoch = 0;
  #dead: Error | null = null;
  /** The thread has opened its connection: until then the driver writes on its own. */
  #ready = false;
  #onReady: Array<() => void> = [];

  private constructor(worker: Worker, onFailure: (err: Error) => void) {
    this.#worker = worker;
    this.#onFailure = onFailure;
    worker.on('message', (m: Reply) => this.#reply(m));
    worker.on('error', (err) => this.#die(err));
    worker.on('exit', () => this.#die(new Error('the journal writer thread exited')));
    worker.unref();
  }

  /** Starts the thread on the database file at `path`; `onFailure` hears of every failed COMMIT (before its callers do). */
  static start(path: string, onFailure: (err: Error) => void): JournalWriter {
    const module = createRequire(import.meta.url).resolve('better-sqlite3');
    return new JournalWriter(new Worker(WORKER_SOURCE, { eval: true, workerData: { path, module } }), onFailure);
  }

  get epoch(): number {
    return this.#epoch;
  }

  /** Whether the thread can take rows (it is up and not gone; otherwise the driver writes on its own connection). */
  get usable(): boolean {
    return this.#ready && this.#dead === null;
  }

  /** Resolves once the thread is up (tests). */
  whenReady(): Promise<void> {
    if (this.#ready) return Promise.resolve();
    return new Promise<void>((resolve) => this.#onReady.push(resolve));
  }

  /** Hands over rows to commit, in order after every earlier batch. */
  post(rows: JournalRow[], done: () => void, fail: (err: Error) => void): void {
    if (this.#dead) return fail(this.#dead);
    const seq = this.#next++;
    // Held open while a batch is in flight (a process waiting only for it must not exit).
    if (this.#waiting.size === 0) this.#worker.ref();
    this.#waiting.set(seq, { done, fail });
    this.#worker.postMessage({ t: 'rows', seq, rows });
  }

  /** Resolves once every batch posted so far is committed or has failed: the file is then the main connection's to write. */
  whenIdle(): Promise<void> {
    if (this.#waiting.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.#idle.push(resolve));
  }

  async stop(): Promise<void> {
    await this.whenIdle();
    if (this.#dead) return;
    if (!this.#ready) {
      // Never used: nothing to flush.
      this.#dead = new Error('the journal writer is stopped');
      await this.#worker.terminate();
      return;
    }
    this.#worker.ref();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2000);
      this.#worker.on('message', (m: Reply) => {
        if (m.t !== 'stopped') return;
        clearTimeout(timer);
        resolve();
      });
      this.#worker.postMessage({ t: 'stop' });
    });
    this.#dead = new Error('the journal writer is stopped');
    await this.#worker.terminate();
  }

  #reply(m: Reply): void {
    if (m.t === 'ready') {
      this.#ready = true;
      for (const r of this.#onReady.splice(0)) r();
      return;
    }
    if (m.t === 'stopped') return;
    if (m.t === 'failed') {
      const err = new Error(`journal commit failed: ${m.error}`);
      if (!m.latched) this.#fail(err);
      for (const seq of m.seqs) this.#settle(seq, (w) => w.fail(err));
      return;
    }
    if (m.committed) journalWriterStats.commits++;
    journalWriterStats.batches += m.seqs.length;
    for (const seq of m.seqs) this.#settle(seq, (w) => w.done());
  }

  /** A COMMIT failed: memory is voided first, then the thread may commit again. */
  #fail(err: Error): void {
    this.#epoch++;
    this.#onFailure(err);
    this.#worker.postMessage({ t: 'reset' });
  }

  #settle(seq: number, f: (w: Waiting) => void): void {
    const w = this.#waiting.get(seq);
    if (!w) return;
    this.#waiting.delete(seq);
    f(w);
    if (this.#waiting.size > 0) return;
    if (!this.#dead) this.#worker.unref();
    const idle = this.#idle;
    this.#idle = [];
    for (const r of idle) r();
  }

  #die(err: Error): void {
    if (this.#dead) return;
    this.#dead = err;
    this.#epoch++;
    if (this.#waiting.size > 0) this.#onFailure(err);
    for (const seq of [...this.#waiting.keys()]) this.#settle(seq, (w) => w.fail(err));
  }
}
