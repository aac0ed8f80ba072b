/**
 * The one runner of the call state: each `CallEvent` is applied after the ones before it
 * (a promise queue): transition (calls.ts, pure) → persist → effects → sync of the derived
 * outputs. The state is stored before any effect runs (an effect may open a page that
 * reads it, and the worker may die at any time); a burst of events (a catch-up page) is
 * stored and synced once, not once per event.
 */
import { transition, type CallEffect, type CallEvent, type CallState, type Context } from './calls.ts';
import { logError } from './log.ts';

export interface RunnerDeps {
  context(): Context;
  save(state: CallState): Promise<void>;
  perform(effect: CallEffect): Promise<void>;
  /** Brings the derived outputs in line with the state. */
  sync(state: CallState): Promise<void>;
}

export class Runner {
  readonly #deps: RunnerDeps;
  #state: CallState;
  #queue: Promise<unknown> = Promise.resolve();
  /** The state changed since it was last stored. */
  #unsaved = false;
  /** The pending coalesced store-and-sync (see #flushSoon). */
  #flush: Promise<void> | null = null;

  constructor(initial: CallState, deps: RunnerDeps) {
    this.#state = initial;
    this.#deps = deps;
  }

  get state(): CallState {
    return this.#state;
  }

  /** Applies one event after the ones before it; persists; performs its effects; syncs outputs. */
  dispatch(event: CallEvent, forceSync = false): Promise<void> {
    return this.#enqueue(async () => {
      const { state, effects } = transition(this.#state, event, this.#deps.context());
      const changed = state !== this.#state;
      this.#state = state;
      if (changed) this.#unsaved = true;
      if (effects.length > 0 && this.#unsaved) await this.#save();
      for (const effect of effects) await this.#deps.perform(effect).catch((e) => logError(`effect ${effect.type}`, e));
      return changed || forceSync;
    }).then((dirty) => (dirty ? this.#flushSoon() : undefined));
  }

  /** Replaces the whole state (sign-in as someone else, sign-out), or re-syncs it (`replace(state)`). */
  replace(state: CallState): Promise<void> {
    return this.#enqueue(async () => {
      this.#state = state;
      this.#unsaved = true;
      await this.#save();
      await this.#deps.sync(this.#state);
    });
  }

  #enqueue<T>(run: () => Promise<T>): Promise<T> {
    const p = this.#queue.then(run, run);
    this.#queue = p.catch(() => undefined);
    return p;
  }

  #flushSoon(): Promise<void> {
    this.#flush ??= new Promise<void>((r) => setTimeout(r, 0)).then(async () => {
      this.#flush = null;
      if (this.#unsaved) await this.#save();
      await this.#deps.sync(this.#state);
    });
    return this.#flush;
  }

  async #save(): Promise<void> {
    this.#unsaved = false;
    await this.#deps.save(this.#state);
  }
}
