/**
 * Bounds the log lines a flood can cause: at most one line per key (e.g. address and
 * reason) per window, and at most `perWindow` lines in all per window. A line that is let
 * through carries how many were held back since the previous one of its key, so nothing
 * is hidden, only summed.
 */

/** Keys remembered at most (a flood from many addresses cannot grow the map without bound). */
const MAX_KEYS = 10_000;

export class LogThrottle {
  readonly #windowMs: number;
  readonly #perWindow: number;
  readonly #keys = new Map<string, { at: number; held: number }>();
  #windowStart = -Infinity;
  #inWindow = 0;

  constructor(o: { windowMs: number; perWindow: number }) {
    this.#windowMs = o.windowMs;
    this.#perWindow = o.perWindow;
  }

  /** The number of lines of `key` held back before this one, or null: do not log this one. */
  allow(key: string, now: number): number | null {
    if (now - this.#windowStart >= this.#windowMs) {
      this.#windowStart = now;
      this.#inWindow = 0;
      // Keys quiet for a whole window with nothing held back behave like absent ones.
      for (const [k, v] of this.#keys) if (now - v.at >= this.#windowMs && v.held === 0) this.#keys.delete(k);
    }
    let k = this.#keys.get(key);
    if (k === undefined) {
      if (this.#keys.size >= MAX_KEYS) return null;
      k = { at: -Infinity, held: 0 };
      this.#keys.set(key, k);
    }
    if (now - k.at < this.#windowMs || this.#inWindow >= this.#perWindow) {
      k.held++;
      return null;
    }
    this.#inWindow++;
    const held = k.held;
    k.at = now;
    k.held = 0;
    return held;
  }
}
