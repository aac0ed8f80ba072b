/**
 * Wires the phone into the browser: the phone, its features (registry.ts) and the
 * message channel. Everything is registered synchronously when the worker script runs,
 * so an event that woke the worker (a notification button, a message, an alarm, a
 * command) finds its listener; the phone's asynchronous boot (storage, reconnect) is
 * awaited inside each handler.
 */
import { serveRequests } from '../messaging/worker.ts';
import type { BackgroundOptions } from './feature.ts';
import { Phone, type PhoneDeps } from './phone.ts';
import { FEATURES, startFeatures } from './registry.ts';
import { CallWindows } from './windows.ts';

/** The running background: its phone, and `stop()` that removes every listener and timer. */
export interface Background {
  phone: Phone;
  stop(): void;
}

export function startBackground(deps: Omit<PhoneDeps, 'openCallPage'>, options: BackgroundOptions): Background {
  const callWindows = new CallWindows();
  const phone = new Phone({ ...deps, openCallPage: () => callWindows.open() });
  const features = startFeatures(FEATURES, { phone, callWindows, options });
  serveRequests((req) => phone.handle(req), features.signal);
  return { phone, stop: () => features.stop() };
}
