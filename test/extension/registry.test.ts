/**
 * The background's features (background/registry.ts): every file in features/ registers
 * a feature, the handler table has one handler per request type, startBackground adds
 * every listener while the worker script runs (MV3: a stopped worker woken by an event
 * finds it) and stop() removes them, and the browser events the features serve reach the
 * phone: notification buttons and clicks by their typed ids, shortcuts, the context menu,
 * the views' ports and the call window's close.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { defineFeature, type Feature } from '../../src/extension/background/feature.ts';
import { FEATURES, handlerTable, REQUEST_HANDLERS } from '../../src/extension/background/registry.ts';
import { startBackground } from '../../src/extension/background/index.ts';
import { silentRingtone } from '../../src/extension/background/ringtone.ts';
import { resetToolbarCache } from '../../src/extension/background/toolbar.ts';
import { resetBadgeViewCache } from '../../src/extension/background/badge-view.ts';
import { Request, VIEW_PORT } from '../../src/extension/shared/schema.ts';
import { encodeInvite } from '../../src/protocol/call-data.ts';
import { TSignaling as SIGNAL } from '../../src/protocol/signaling.ts';
import { FakeChat } from './fake-chat.ts';
import { fakeEvent } from './fake-event.ts';
import { settled } from './settled.ts';

const FEATURES_DIR = fileURLToPath(new URL('../../src/extension/background/features/', import.meta.url));

function isFeature(value: unknown): value is Feature {
  if (typeof value !== 'object' || value === null) return false;
  const f = value as Partial<Feature>;
  return typeof f.name === 'string' && (typeof f.init === 'function' || typeof f.handles === 'object');
}

/** The files of features/ that export no feature of `registered`. */
async function unregistered(registered: readonly Feature[]): Promise<string[]> {
  const missing: string[] = [];
  for (const file of readdirSync(FEATURES_DIR).filter((f) => f.endsWith('.ts')).sort()) {
    const exported = Object.values((await import(`${FEATURES_DIR}${file}`)) as Record<string, unknown>).filter(isFeature);
    if (!exported.some((f) => registered.includes(f))) missing.push(file);
  }
  return missing;
}

describe('the feature registry', () => {
  it('registers a feature from every file in features/, each name once', async () => {
    expect(await unregistered(FEATURES)).toEqual([]);
    expect(new Set(FEATURES.map((f) => f.name)).size).toBe(FEATURES.length);
  });

  it('would see a feature file left out of the list (the check bites)', async () => {
    const [first, ...rest] = FEATURES;
    expect(await unregistered(rest)).toHaveLength(1);
    expect(await unregistered(FEATURES.filter((f) => f.name !== 'wake'))).toEqual(['wake.ts']);
    void first;
  });

  it('has one handler for every request type of the message schema', () => {
    const types = [...(Request._zod.propValues?.['type'] ?? [])];
    expect(types.length).toBeGreaterThan(20);
    expect(types.filter((t) => typeof REQUEST_HANDLERS[t as keyof typeof REQUEST_HANDLERS] !== 'function')).toEqual([]);
  });

  it('refuses two features that handle one request type', () => {
    const again = defineFeature({ name: 'dial-again', handles: { 'call/dial': async (ctx) => ctx.view() } });
    expect(() => handlerTable([...FEATURES, again])).toThrow('request call/dial is handled by two features (the second: dial-again)');
  });
});

/** A port a view (or a page's content script) opened, as the worker sees it. */
function port(name: string, url: string, windowId?: number) {
  return {
    name,
    sender: { id: fakeBrowser.runtime.id, url, ...(windowId !== undefined ? { tab: { windowId } } : {}) },
    posted: [] as unknown[],
    postMessage(m: unknown) {
      this.posted.push(m);
    },
    disconnect: vi.fn(),
    onMessage: fakeEvent(),
    onDisconnect: fakeEvent(),
  };
}

let onConnect: ReturnType<typeof fakeEvent>;
let onCommand: ReturnType<typeof fakeEvent>;
let onMenuClicked: ReturnType<typeof fakeEvent>;
let menus: unknown[];
let openOptionsPage: ReturnType<typeof vi.fn>;
/** Backgrounds a test started: stopped after it, so none hears the next test's events. */
const running: Array<{ stop(): void }> = [];

afterEach(() => running.splice(0).forEach((bg) => bg.stop()));

beforeEach(() => {
  vi.restoreAllMocks();
  fakeBrowser.reset();
  resetToolbarCache();
  resetBadgeViewCache();
  onConnect = fakeEvent();
  onCommand = fakeEvent();
  onMenuClicked = fakeEvent();
  menus = [];
  openOptionsPage = vi.fn(async () => undefined);
  Object.assign(fakeBrowser.runtime, { onConnect, openOptionsPage });
  Object.assign(fakeBrowser, {
    commands: { onCommand },
    contextMenus: { onClicked: onMenuClicked, removeAll: async () => void (menus = []), create: (m: unknown) => void menus.push(m) },
  });
});

/** The worker as the entry point starts it, signed in as bob over a FakeChat. */
async function background() {
  const chats: FakeChat[] = [];
  const bg = startBackground(
    {
      createChat: ({ server }) => {
        const c = new FakeChat(server);
        chats.push(c);
        return c;
      },
      ringtone: silentRingtone(),
      fetch: async (_url, init) => {
        const { userID } = JSON.parse(String(init?.body)) as { userID: string };
        return new Response(JSON.stringify({ code: 0, data: { userID, userSig: `sig-${userID}`, expiresIn: 3600 } }));
      },
    },
    { keepAwake: false },
  );
  running.push(bg);
  await bg.phone.handle({ type: 'account/signIn', server: 'ws://127.0.0.1:8787', userID: 'bob', password: 'pw', create: false });
  const chat = chats.at(-1)!;
  const ring = async (inviteID: string) => {
    chat.emit(SIGNAL.NEW_INVITATION_RECEIVED, { inviteID, inviter: 'alice', groupID: '', inviteeList: ['bob'], data: encodeInvite('room', 'audio'), timeout: 30, remaining: 30 });
    await settled(() => expect(bg.phone.viewState().incoming.map((c) => c.inviteID)).toContain(inviteID));
  };
  return { ...bg, chat, ring };
}

const notificationIds = async () => Object.keys(await fakeBrowser.notifications.getAll());

describe('the background wiring', () => {
  it('adds every listener while the worker script runs, and stop() removes each of them', () => {
    const events = {
      'runtime.onMessage': fakeBrowser.runtime.onMessage,
      'runtime.onConnect': onConnect,
      'runtime.onInstalled': fakeBrowser.runtime.onInstalled,
      'runtime.onStartup': fakeBrowser.runtime.onStartup,
      'notifications.onClicked': fakeBrowser.notifications.onClicked,
      'notifications.onButtonClicked': fakeBrowser.notifications.onButtonClicked,
      'alarms.onAlarm': fakeBrowser.alarms.onAlarm,
      'commands.onCommand': onCommand,
      'contextMenus.onClicked': onMenuClicked,
    };
    const bg = startBackground({ createChat: (o) => new FakeChat(o.server), ringtone: silentRingtone() }, { keepAwake: false });
    // No await before this line: what a woken worker's event finds. (The fake browser's
    // events have hasListeners(); its types leave it out.)
    const has = (e: object) => (e as { hasListeners(): boolean }).hasListeners();
    const listening = (on: boolean) => Object.entries(events).filter(([, e]) => has(e) === on).map(([name]) => name);
    expect(listening(false)).toEqual([]);
    bg.stop();
    expect(listening(true)).toEqual([]);
  });

  it("answers from a ring notification's buttons (by its id) and opens the popup in a window on a click", async () => {
    const { chat, ring } = await background();
    await ring('inv-1');
    await settled(async () => expect(await notificationIds()).toEqual(['ring:inv-1']));
    const windows = vi.spyOn(fakeBrowser.windows, 'create');
    await fakeBrowser.notifications.onButtonClicked.trigger('ring:inv-1', 1);
    await settled(() => expect(chat.called('reject')).toEqual([{ inviteID: 'inv-1' }]));
    await ring('inv-2');
    await fakeBrowser.notifications.onButtonClicked.trigger('ring:inv-2', 0);
    await settled(() => expect(chat.called('accept')).toEqual([{ inviteID: 'inv-2' }]));
    await fakeBrowser.notifications.onClicked.trigger('ring:inv-3');
    await settled(() => expect(windows).toHaveBeenCalledOnce());
    expect(windows.mock.calls[0]![0]).toMatchObject({ url: 'chrome-extension://test-extension-id/popup.html', type: 'popup' });
    // Ids that are not ours answer nothing.
    await fakeBrowser.notifications.onButtonClicked.trigger('ringing:inv-4', 0);
    await fakeBrowser.notifications.onButtonClicked.trigger('missed:inv-4', 0);
    expect(chat.called('accept')).toHaveLength(1);
  });

  it('clears a missed-call notification that is clicked and opens the popup; the sign-in one opens the options page', async () => {
    await background();
    const windows = vi.spyOn(fakeBrowser.windows, 'create');
    await fakeBrowser.notifications.create('missed:inv-9', { type: 'basic', iconUrl: '', title: 'Missed call', message: '' });
    await fakeBrowser.notifications.onClicked.trigger('missed:inv-9');
    await settled(async () => expect(await notificationIds()).toEqual([]));
    await settled(() => expect(windows).toHaveBeenCalledOnce());
    expect(openOptionsPage).not.toHaveBeenCalled();
    await fakeBrowser.notifications.onClicked.trigger('auth:expired');
    await settled(() => expect(openOptionsPage).toHaveBeenCalledOnce());
    expect(windows).toHaveBeenCalledOnce();
  });

  it('accepts or rejects the newest ringing invitation from a keyboard shortcut', async () => {
    const { chat, ring, phone } = await background();
    await ring('inv-1');
    await ring('inv-2');
    onCommand.trigger('reject-newest');
    await settled(() => expect(chat.called('reject')).toEqual([{ inviteID: 'inv-2' }]));
    onCommand.trigger('accept-newest');
    await settled(() => expect(chat.called('accept')).toEqual([{ inviteID: 'inv-1' }]));
    // Hang up (global in Chrome): ends the call just answered, with the end-of-call marker to alice.
    await settled(() => expect(phone.viewState().active?.inviteID).toBe('inv-1'));
    onCommand.trigger('hang-up');
    await settled(() => expect(phone.viewState().active).toBeNull());
    await settled(() => expect(chat.called('invite')).toEqual([expect.objectContaining({ userID: 'alice', data: expect.stringContaining('"callInviteID":"inv-1"') })]));
  });

  it('the hang-up shortcut stops dialling when no call is in progress', async () => {
    const { chat, phone } = await background();
    await phone.handle({ type: 'call/dial', userID: 'carol', callType: 'audio' });
    const dialling = phone.viewState().outgoing[0]!.inviteID;
    onCommand.trigger('hang-up');
    await settled(() => expect(chat.called('cancel')).toEqual([{ inviteID: dialling }]));
    await settled(() => expect(phone.viewState().outgoing).toEqual([]));
  });

  it('creates the context menu on install (and opens the options page), re-words it for a new language, and dials a selected user ID', async () => {
    const { chat, phone } = await background();
    await fakeBrowser.runtime.onInstalled.trigger({ reason: 'install' } as never);
    await settled(() => expect(menus).toEqual([{ id: 'ringlet-call-selection', title: 'Call "%s" with Ringlet', contexts: ['selection'] }]));
    expect(openOptionsPage).toHaveBeenCalledOnce();
    await phone.handle({ type: 'settings/set', patch: { language: 'zh_CN' } });
    await settled(() => expect(menus).toEqual([expect.objectContaining({ title: '用 Ringlet 呼叫“%s”' })]));
    onMenuClicked.trigger({ menuItemId: 'ringlet-call-selection', selectionText: 'not a user id!' });
    onMenuClicked.trigger({ menuItemId: 'ringlet-call-selection', selectionText: '  carol ' });
    await settled(() => expect(chat.called('invite')).toEqual([expect.objectContaining({ userID: 'carol' })]));
  });

  it("sends each own view the state over its port, and closes a port that is no view's", async () => {
    await background();
    const view = port(VIEW_PORT, 'chrome-extension://test-extension-id/popup.html');
    onConnect.trigger(view);
    await settled(() => expect(view.posted.at(-1)).toMatchObject({ type: 'state', state: { userID: 'bob', connection: 'online' } }));
    const foreign = { ...port(VIEW_PORT, 'https://example.com/'), sender: { id: 'another-extension', url: 'https://example.com/' } };
    onConnect.trigger(foreign);
    expect(foreign.disconnect).toHaveBeenCalledOnce();
    expect(view.disconnect).not.toHaveBeenCalled();
  });

  it('hangs up when the call window is closed and stays away past the grace period', async () => {
    const { chat, phone, ring } = await background();
    await ring('inv-1');
    await phone.handle({ type: 'call/accept', inviteID: 'inv-1' });
    expect(phone.viewState().active?.inviteID).toBe('inv-1');
    const callWindow = port(VIEW_PORT, 'chrome-extension://test-extension-id/call.html', 7);
    onConnect.trigger(callWindow);
    callWindow.onDisconnect.trigger();
    await vi.waitFor(() => expect(phone.viewState().active).toBeNull(), { timeout: 5000 });
    // The call ends in the state first, then the hang-up marker goes out: wait for it too.
    await vi.waitFor(() => expect(chat.called('invite')).toEqual([expect.objectContaining({ userID: 'alice', data: expect.stringContaining('window_closed') })]), { timeout: 5000 });
  });

  it('opens the popup in a window for a page badge that asks to confirm a ringing call', async () => {
    const { phone, ring } = await background();
    const windows = vi.spyOn(fakeBrowser.windows, 'create');
    await phone.handle({ type: 'call/confirm', inviteID: 'not-ringing' });
    expect(windows).not.toHaveBeenCalled();
    await ring('inv-1');
    await phone.handle({ type: 'call/confirm', inviteID: 'inv-1' });
    expect(windows).toHaveBeenCalledOnce();
  });
});
