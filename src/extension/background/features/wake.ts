/**
 * Keeping a signed-in phone reachable when the browser stops its background.
 *
 * The SDK keeps one session and reconnects it by itself; nothing here is a second
 * reconnect loop. What this module adds is *wake-ups*: moments at which a background that
 * the browser stopped (Chrome's service worker, Firefox's event page) runs again and the
 * phone makes sure its SDK session exists (`Phone.ensureConnected`):
 *
 * - a repeating alarm every 30 s while signed in (Chrome's minimum period), the worst
 *   case after Chrome stopped the worker while nothing rang;
 * - `runtime.onStartup`, so the browser starting up connects at once;
 * - a page loading: the page badge's content script opens the `WAKE_PORT` when a page
 *   loads (only while the `WAKE_ON_PAGE_LOAD_KEY` flag says someone is signed in), so a
 *   person using the browser is reachable within a moment;
 * - the platform's `online` event.
 *
 * Firefox (MV3 has event pages only; `background.persistent` is ignored there) suspends
 * the event page after `extensions.background.idle.timeout` without extension activity,
 * WebSocket traffic does not count, and a suspended page has no socket to hear an
 * invitation on. Firefox resets that idle timer on every extension API call the page
 * makes, so while signed in the page makes a cheap one (`runtime.getPlatformInfo`) every
 * `KEEP_AWAKE_MS`: the page then lives as long as the phone is signed in, like the
 * persistent background page Firefox MV2 had. Signed out, it sleeps as before.
 */
import { browser, type Browser } from 'wxt/browser';
import { WAKE_ON_PAGE_LOAD_KEY, WAKE_PORT, type Connection, type ViewState } from '../../shared/schema.ts';
import { defineFeature, type BackgroundOptions, type PhoneApi } from '../feature.ts';
import { interval, listen } from '../listen.ts';
import { logError } from '../log.ts';

export const KEEPALIVE_ALARM = 'ringlet-keepalive';
/** Chrome's minimum alarm period: a stopped worker is woken within 30 s at worst. */
export const KEEPALIVE_PERIOD_MINUTES = 0.5;
/** Firefox: one extension API call at least this often keeps the event page from idling out. */
export const KEEP_AWAKE_MS = 1000;

/** The part of the phone this module needs. */
export interface Reachable extends Pick<PhoneApi, 'ready' | 'connection' | 'ensureConnected'> {
  subscribe(listener: (state: Pick<ViewState, 'connection'>) => void): () => void;
}

/** Signed in with a usable userSig: the phone should be reachable. */
function wantsReachable(connection: Connection): boolean {
  return connection !== 'signedOut' && connection !== 'expired';
}

/** Registers the wake-ups now (synchronously, at the top of the background script); `signal` ends them. */
export function keepReachable(phone: Reachable, options: BackgroundOptions, signal: AbortSignal): void {
  const wake = (why: string) => void phone.ensureConnected().catch((e) => logError(`wake (${why})`, e));

  listen(browser.alarms.onAlarm, (alarm) => {
    if (alarm.name === KEEPALIVE_ALARM) wake('alarm');
  }, signal);
  listen(browser.runtime.onStartup, () => wake('startup'), signal);
  listen(browser.runtime.onConnect, (port: Browser.runtime.Port) => {
    if (port.name === WAKE_PORT) wake('page load');
  }, signal);
  (globalThis as { addEventListener?: (type: string, fn: () => void, options: { signal: AbortSignal }) => void }).addEventListener?.('online', () => wake('online'), { signal });

  let wanted: boolean | null = null;
  let stopAwake: (() => void) | null = null;
  const follow = (connection: Connection) => {
    const want = wantsReachable(connection);
    if (want === wanted) return;
    wanted = want;
    void syncAlarm(want).catch((e) => logError('keepalive alarm', e));
    void browser.storage.local.set({ [WAKE_ON_PAGE_LOAD_KEY]: want }).catch((e) => logError('wake flag', e));
    if (!options.keepAwake) return;
    if (want && !stopAwake) stopAwake = interval(() => void browser.runtime.getPlatformInfo().catch(() => undefined), KEEP_AWAKE_MS, signal);
    if (!want && stopAwake) {
      stopAwake();
      stopAwake = null;
    }
  };
  const unsubscribe = phone.subscribe((state) => follow(state.connection));
  signal.addEventListener('abort', unsubscribe, { once: true });
  void phone.ready.then(() => signal.aborted || follow(phone.connection));
}

export const wake = defineFeature({
  name: 'wake',
  init: (ctx) => keepReachable(ctx.phone, ctx.options, ctx.signal),
});

/** The alarm exists (with the current period) exactly while the phone should be reachable. */
async function syncAlarm(want: boolean): Promise<void> {
  if (!want) {
    await browser.alarms.clear(KEEPALIVE_ALARM);
    return;
  }
  // Re-creating an alarm restarts its period: leave one that is already right alone.
  const alarm = await browser.alarms.get(KEEPALIVE_ALARM);
  if (alarm?.periodInMinutes !== KEEPALIVE_PERIOD_MINUTES) {
    await browser.alarms.create(KEEPALIVE_ALARM, { periodInMinutes: KEEPALIVE_PERIOD_MINUTES });
  }
}
