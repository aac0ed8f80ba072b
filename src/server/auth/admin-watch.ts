/**
 * Every node reads the admin log (admin.ts) for changes made while it runs: each one goes
 * to the server's log, and one that revoked tokens kicks their sessions through the bus
 * (Bus.revoke: on every node; each node sends it, a session is kicked once).
 *
 * The admin command writes the store only; this poll is how a running server hears of
 * it, on SQLite and PostgreSQL alike (docs/ADMIN.md says why not a socket that takes
 * commands). A row carries no authority of its own: writing one needs write access to
 * the store, which is the power to change accounts anyway.
 */
import type { Bus } from '../hub/types.ts';
import type { Logger } from '../log.ts';
import type { Store } from '../store/types.ts';

export interface AdminWatchDeps {
  store: Store;
  bus: Bus;
  log: Logger;
  /** Between two looks at the admin log. */
  pollMs: number;
}

/**
 * Rows are re-read this far below the newest seen ID: on PostgreSQL a row with a lower ID
 * may commit after one with a higher (IDs are taken at insert); each is applied once.
 */
const WINDOW = 64;
const PAGE = 200;

export class AdminWatch {
  readonly #d: AdminWatchDeps;
  #last = 0;
  readonly #seen = new Set<number>();
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #closed = false;

  constructor(deps: AdminWatchDeps) {
    this.#d = deps;
  }

  /** Starts after the newest row there is: earlier changes were made before this node's sessions. */
  async start(): Promise<void> {
    await this.#d.store.read(async (tx) => {
      this.#last = await tx.lastAdminLogID();
      // The window below it is re-read by every poll: what is there now is not news.
      for (const r of await tx.adminLogAfter(Math.max(0, this.#last - WINDOW), WINDOW)) this.#seen.add(r.id);
    });
    this.#schedule();
  }

  /** Reads and applies what is new (also what the timer runs). */
  async poll(): Promise<void> {
    const from = Math.max(0, this.#last - WINDOW);
    for (let after = from; ;) {
      const rows = await this.#d.store.read((tx) => tx.adminLogAfter(after, PAGE));
      for (const r of rows) {
        if (r.id <= this.#last - WINDOW || this.#seen.has(r.id)) continue;
        this.#seen.add(r.id);
        this.#d.log.info({ admin: r.actor, action: r.action, user: r.userID, detail: r.detail, at: r.at }, `admin: ${r.action} ${r.userID}`);
        if (r.revokeBelow !== null) this.#d.bus.revoke({ userID: r.userID, belowGeneration: r.revokeBelow });
      }
      if (rows.length > 0) {
        after = rows[rows.length - 1]!.id;
        this.#last = Math.max(this.#last, after);
      }
      if (rows.length < PAGE) break;
    }
    for (const id of this.#seen) if (id <= this.#last - WINDOW) this.#seen.delete(id);
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running;
  }

  #schedule(): void {
    if (this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#running = this.poll()
        .catch((err: unknown) => this.#d.log.warn({ err }, 'admin log: read failed; trying again'))
        .finally(() => {
          this.#running = null;
          this.#schedule();
        });
    }, this.#d.pollMs);
    this.#timer.unref();
  }
}
