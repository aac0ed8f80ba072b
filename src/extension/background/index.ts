/**
 * Wires the phone into the browser. Everything here is registered synchronously when the
 * worker script runs, so an event that woke the worker (a notification button, a
 * message, an alarm, a command) finds its listener; the phone's asynchronous boot
 * (storage, reconnect) is awaited inside each handler.
 */
import { browser, type Browser } from 'wxt/browser';
import { idSchema } from '../../protocol/fields.ts';
import { VIEW_PORT, type PortMessage } from '../shared/schema.ts';
import { t } from '../shared/i18n.ts';
import { serveRequests } from '../messaging/worker.ts';
import { extensionURL } from '../shared/url.ts';
import { Phone, type PhoneDeps } from './phone.ts';
import { MISSED_PREFIX, RING_PREFIX } from './notifications.ts';
import { logError } from './log.ts';
import { keepReachable, type WakeOptions } from './wake.ts';

export const CONTEXT_MENU_ID = 'ringlet-call-selection';
/** A call window that reloads reconnects within this; one that stays away was closed. */
export const CALL_WINDOW_GRACE_MS = 1500;

type Port = Browser.runtime.Port;

/** Opens the popup page in a small window (Firefox notification clicks, missed calls). */
async function openPopupWindow(): Promise<void> {
  await browser.windows.create({ url: extensionURL('/popup.html'), type: 'popup', width: 380, height: 600 });
}

/**
 * The page badge's "accept" where the badge cannot know it is visible (Firefox): the
 * popup opens in its own window, an extension page no web page can cover, and the user
 * answers there.
 */
async function confirmInPopup(phone: Phone, inviteID: string): Promise<unknown> {
  await phone.ready;
  if (!phone.viewState().incoming.some((c) => c.inviteID === inviteID)) return phone.viewState();
  await openPopupWindow();
  return phone.viewState();
}

export function startBackground(deps: Omit<PhoneDeps, 'openCallPage' | 'onLanguageChanged'>, wake: WakeOptions): Phone {
  const callPages = new Map<Port, number | undefined>();
  const phone = new Phone({
    ...deps,
    async openCallPage() {
      // An open call window follows the state itself; bring it to the front.
      for (const windowId of callPages.values()) {
        if (windowId !== undefined) await browser.windows.update(windowId, { focused: true }).catch(() => undefined);
        return;
      }
      await browser.windows.create({ url: extensionURL('/call.html'), type: 'popup', width: 720, height: 600 });
    },
    onLanguageChanged: () => void createContextMenu(phone).catch((e) => logError('context menu', e)),
  });

  serveRequests((req) => (req.type === 'call/confirm' ? confirmInPopup(phone, req.inviteID) : phone.handle(req)));

  browser.runtime.onConnect.addListener((port: Port) => {
    if (port.name !== VIEW_PORT || port.sender?.id !== browser.runtime.id) {
      port.disconnect();
      return;
    }
    const isCallPage = (port.sender?.url ?? '').includes('/call.html');
    if (isCallPage) callPages.set(port, port.sender?.tab?.windowId);
    const post = (state: PortMessage['state']) => port.postMessage({ type: 'state', state } satisfies PortMessage);
    const unsubscribe = phone.subscribe(post);
    port.onMessage.addListener(() => logError('view port', 'views send requests with runtime.sendMessage; port message ignored'));
    port.onDisconnect.addListener(() => {
      unsubscribe();
      if (!callPages.delete(port)) return;
      // The call window was closed (not reloaded): that is my hang-up.
      const inviteID = phone.viewState().active?.inviteID;
      if (!inviteID) return;
      setTimeout(() => {
        if (callPages.size > 0 || phone.viewState().active?.inviteID !== inviteID) return;
        void phone.handle({ type: 'call/hangup', inviteID, reason: 'window_closed' }).catch((e) => logError('call window closed', e));
      }, CALL_WINDOW_GRACE_MS);
    });
    void phone.ready.then(() => post(phone.viewState()));
  });

  browser.notifications.onButtonClicked.addListener((id: string, index: number) => {
    if (!id.startsWith(RING_PREFIX)) return;
    const inviteID = id.slice(RING_PREFIX.length);
    void phone.handle({ type: index === 0 ? 'call/accept' : 'call/reject', inviteID }).catch((e) => logError('notification button', e));
  });
  browser.notifications.onClicked.addListener((id: string) => {
    if (id.startsWith(MISSED_PREFIX)) void browser.notifications.clear(id);
    if (id.startsWith(RING_PREFIX) || id.startsWith(MISSED_PREFIX) || id.startsWith('auth:')) {
      const open = id.startsWith('auth:') ? browser.runtime.openOptionsPage() : openPopupWindow();
      void open.catch((e) => logError('notification click', e));
    }
  });

  browser.commands?.onCommand.addListener((command: string) => {
    void phone.ready.then(async () => {
      const inviteID = phone.newestIncoming();
      if (!inviteID) return;
      if (command === 'accept-newest') await phone.handle({ type: 'call/accept', inviteID });
      if (command === 'reject-newest') await phone.handle({ type: 'call/reject', inviteID });
    }).catch((e) => logError(`command ${command}`, e));
  });

  browser.contextMenus?.onClicked.addListener((info) => {
    if (info.menuItemId !== CONTEXT_MENU_ID) return;
    const userID = (info.selectionText ?? '').trim();
    if (!idSchema.safeParse(userID).success) {
      logError('context menu', `"${userID.slice(0, 64)}" is not a user ID`);
      return;
    }
    void phone.handle({ type: 'call/dial', userID, callType: 'audio' }).catch((e) => logError('context menu', e));
  });

  // A signed-in phone stays reachable when the browser stops the background (wake.ts).
  keepReachable(phone, wake);

  browser.runtime.onInstalled.addListener((details) => {
    void createContextMenu(phone).catch((e) => logError('context menu', e));
    if (details.reason === 'install') void browser.runtime.openOptionsPage().catch((e) => logError('onboarding', e));
  });

  return phone;
}

/** "Call <selection>"; re-created when the language changes (after boot set it). */
async function createContextMenu(phone: Phone): Promise<void> {
  if (!browser.contextMenus) return;
  await phone.ready;
  await browser.contextMenus.removeAll();
  browser.contextMenus.create({ id: CONTEXT_MENU_ID, title: t('contextMenuCall', '%s'), contexts: ['selection'] });
}
