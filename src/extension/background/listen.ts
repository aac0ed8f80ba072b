/**
 * Listeners and timers that end with an `AbortSignal` (WXT's `ctx` idea): a feature adds
 * them while the worker script runs, and stopping the features (an extension reload, a
 * test's teardown) removes every one of them at once.
 */

/** An event of the browser's extension API, as far as adding and removing a listener goes. */
export interface BrowserEvent<F> {
  addListener(listener: F): void;
  removeListener(listener: F): void;
}

/**
 * Adds `listener` now (synchronously: a stopped worker that this event wakes finds it)
 * and removes it when `signal` aborts.
 */
export function listen<F>(event: BrowserEvent<F>, listener: F, signal: AbortSignal): void {
  if (signal.aborted) return;
  event.addListener(listener);
  signal.addEventListener('abort', () => event.removeListener(listener), { once: true });
}

/** `setTimeout` that is cleared when `signal` aborts. */
export function timeout(fn: () => void, ms: number, signal: AbortSignal): void {
  if (signal.aborted) return;
  const cancel = () => clearTimeout(id);
  const id = setTimeout(() => {
    signal.removeEventListener('abort', cancel);
    fn();
  }, ms);
  signal.addEventListener('abort', cancel, { once: true });
}

/** `setInterval` that is cleared when `signal` aborts; returns a function that clears it sooner. */
export function interval(fn: () => void, ms: number, signal: AbortSignal): () => void {
  if (signal.aborted) return () => undefined;
  const id = setInterval(fn, ms);
  const clear = () => clearInterval(id);
  signal.addEventListener('abort', clear, { once: true });
  return clear;
}
