/**
 * Wake-ups (wake.ts) over WXT's fake browser. The Phone's side of them (a wake-up makes
 * sure an SDK session exists and never starts a second reconnect loop next to the SDK's
 * own) runs on the real SDK and a real server in session.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { keepReachable, KEEP_AWAKE_MS, KEEPALIVE_ALARM, KEEPALIVE_PERIOD_MINUTES, type Reachable } from '../../src/extension/background/features/wake.ts';
import { WAKE_ON_PAGE_LOAD_KEY, WAKE_PORT, type Connection } from '../../src/extension/shared/schema.ts';
import { fakeEvent } from './fake-event.ts';
import { settled } from './settled.ts';

/** A phone stand-in whose connection the test sets, counting `ensureConnected` calls. */
function fakePhone(initial: Connection) {
  const listeners = new Set<(s: { connection: Connection }) => void>();
  const phone = {
    connection: initial,
    ready: Promise.resolve(),
    ensured: 0,
    subscribe(l: (s: { connection: Connection }) => void) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    async ensureConnected() {
      phone.ensured++;
    },
    set(c: Connection) {
      phone.connection = c;
      for (const l of listeners) l({ connection: c });
    },
  };
  return phone satisfies Reachable;
}

let onConnect: ReturnType<typeof fakeEvent>;
let platformInfoCalls = 0;

beforeEach(() => {
  fakeBrowser.reset();
  onConnect = fakeEvent();
  platformInfoCalls = 0;
  Object.assign(fakeBrowser.runtime, {
    onConnect,
    getPlatformInfo: async () => {
      platformInfoCalls++;
      return { os: 'linux', arch: 'x86-64' };
    },
  });
});

afterEach(() => vi.useRealTimers());

const alarm = () => fakeBrowser.alarms.get(KEEPALIVE_ALARM);
const wakeFlag = async () => (await fakeBrowser.storage.local.get(WAKE_ON_PAGE_LOAD_KEY))[WAKE_ON_PAGE_LOAD_KEY];

describe('keepReachable', () => {
  it('keeps a 30 s alarm and the page-load flag exactly while signed in', async () => {
    const phone = fakePhone('signedOut');
    keepReachable(phone, { keepAwake: false }, new AbortController().signal);
    await settled(async () => expect(await wakeFlag()).toBe(false));
    expect(await alarm()).toBeUndefined();

    phone.set('connecting');
    await settled(async () => expect(await wakeFlag()).toBe(true));
    await settled(async () => expect(await alarm()).toMatchObject({ periodInMinutes: KEEPALIVE_PERIOD_MINUTES }));

    // Offline is still signed in: the alarm stays (it is what brings a stopped worker back).
    phone.set('offline');
    phone.set('expired');
    await settled(async () => expect(await wakeFlag()).toBe(false));
    await settled(async () => expect(await alarm()).toBeUndefined());
  });

  it('replaces an alarm with another period and leaves a right one running', async () => {
    await fakeBrowser.alarms.create(KEEPALIVE_ALARM, { periodInMinutes: 1 });
    keepReachable(fakePhone('online'), { keepAwake: false }, new AbortController().signal);
    await settled(async () => expect(await alarm()).toMatchObject({ periodInMinutes: KEEPALIVE_PERIOD_MINUTES }));

    fakeBrowser.reset();
    Object.assign(fakeBrowser.runtime, { onConnect: fakeEvent() });
    await fakeBrowser.alarms.create(KEEPALIVE_ALARM, { periodInMinutes: KEEPALIVE_PERIOD_MINUTES, when: 12345 });
    keepReachable(fakePhone('online'), { keepAwake: false }, new AbortController().signal);
    await settled(async () => expect(await wakeFlag()).toBe(true));
    // The flag is written after the alarm was looked at: the alarm kept its schedule.
    expect(await alarm()).toMatchObject({ scheduledTime: 12345 });
  });

  it('every wake-up (alarm, startup, a page load) makes sure of the session; other alarms and ports do not', async () => {
    const phone = fakePhone('online');
    keepReachable(phone, { keepAwake: false }, new AbortController().signal);
    await fakeBrowser.alarms.onAlarm.trigger({ name: 'something-else', scheduledTime: 0 });
    onConnect.trigger({ name: 'ringlet-view' });
    expect(phone.ensured).toBe(0);
    await fakeBrowser.alarms.onAlarm.trigger({ name: KEEPALIVE_ALARM, scheduledTime: 0 });
    expect(phone.ensured).toBe(1);
    await fakeBrowser.runtime.onStartup.trigger();
    expect(phone.ensured).toBe(2);
    onConnect.trigger({ name: WAKE_PORT });
    expect(phone.ensured).toBe(3);
  });

  it('keeps the background awake with an extension API call while signed in, and stops when signed out', async () => {
    vi.useFakeTimers();
    const phone = fakePhone('online');
    keepReachable(phone, { keepAwake: true }, new AbortController().signal);
    await vi.advanceTimersByTimeAsync(5 * KEEP_AWAKE_MS);
    expect(platformInfoCalls).toBe(5);
    phone.set('signedOut');
    await vi.advanceTimersByTimeAsync(5 * KEEP_AWAKE_MS);
    expect(platformInfoCalls).toBe(5);
    phone.set('online');
    await vi.advanceTimersByTimeAsync(KEEP_AWAKE_MS);
    expect(platformInfoCalls).toBe(6);
  });

  it('does not keep the background awake where it was not asked to (Chrome)', async () => {
    vi.useFakeTimers();
    keepReachable(fakePhone('online'), { keepAwake: false }, new AbortController().signal);
    await vi.advanceTimersByTimeAsync(5 * KEEP_AWAKE_MS);
    expect(platformInfoCalls).toBe(0);
  });
});
