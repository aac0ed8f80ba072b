/**
 * Fires invitation deadlines from the store, not from memory: on start it fires every
 * deadline that passed while the server was down, then keeps one timer for the earliest
 * one. Each firing is a transition in its own transaction; a deadline that was already
 * handled (by this node or another) finds nothing pending and changes nothing, so each
 * fires exactly once.
 */
import type { Bus } from '../hub/types.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { Outbox } from '../outbox.ts';
import type { Store } from '../store/types.ts';
import { reportCallSteps } from './lifecycle.ts';
import type { SignalingService } from './service.ts';

export interface DeadlineOptions {
  store: Store;
  bus: Bus;
  signaling: SignalingService;
  log: Logger;
  metrics: Metrics | null;
  clock: () => number;
  /**
   * Upper bound between two looks at the store even with no timer due: other nodes may
   * have committed deadlines this one never heard of.
   */
  pollMs: number;
}


export class DeadlineRunner {
  readonly #o: DeadlineOptions;
  #timer: NodeJS.Timeout | null = null;
  #timerAt = Infinity;
  #running: Promise<void> | null = null;
  #again = false;
  #stopped = false;

  constructor(options: DeadlineOptions) {
    this.#o = options;
  }

  /** Fires what is due now and arms the timer. */
  async start(): Promise<void> {
    await this.#run();
  }

  /** A request committed these deadlines. */
  notify(deadlines: readonly number[]): void {
    // A pass in progress may have read the next deadline before this one was committed:
    // make it look again rather than re-arm behind its back.
    if (this.#running) {
      this.#again = true;
      return;
    }
    const earliest = Math.min(...deadlines);
    if (earliest < this.#timerAt) this.#arm(earliest);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#running?.catch(() => undefined);
  }

  #arm(at: number): void {
    if (this.#stopped) return;
    if (this.#timer) clearTimeout(this.#timer);
    const delay = Math.min(Math.max(0, at - this.#o.clock()), this.#o.pollMs);
    this.#timerAt = this.#o.clock() + delay;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#timerAt = Infinity;
      void this.#run();
    }, delay);
    this.#timer.unref?.();
  }

  /** One pass: fire every due deadline, then arm for the next. Passes never overlap. */
  #run(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        try {
          await this.#fireDue();
          const next = await this.#o.store.read((tx) => tx.nextDeadline());
          if (!this.#stopped) this.#arm(next ?? Infinity);
        } catch (err) {
          if (this.#stopped) return;
          this.#o.log.error({ err }, 'deadline pass failed; retrying');
          this.#arm(this.#o.clock() + 1000);
        }
      } while (this.#again && !this.#stopped);
    })().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  async #fireDue(): Promise<void> {
    for (;;) {
      if (this.#stopped) return;
      const now = this.#o.clock();
      // Claim and fire in one transaction per invitation: other nodes skip locked rows.
      const fired = await this.#o.store.write(async (tx) => {
        const ids = await tx.dueInvitationIDs(now, 1);
        const id = ids[0];
        if (id === undefined) return null;
        const outbox = new Outbox(tx, now);
        await this.#o.signaling.fireDeadline(tx, outbox, id, now);
        return outbox;
      });
      if (!fired) return;
      await fired.settle();
      this.#o.bus.publish(fired.deliveries);
      reportCallSteps(fired.calls, this.#o.log, this.#o.metrics);
    }
  }
}

