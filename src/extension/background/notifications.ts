/**
 * System notifications as the worker shows them, the stand-in for offline push: created,
 * cleared and recorded in one place. What each says is kept in `storage.session`
 * (Chrome's `getAll()` answers only ids), so the options page and the tests can read it
 * back. The features that show notifications (ring-notifications, call-log, account)
 * decide what they say and serve their clicks; ids follow notification-id.ts.
 */
import { browser } from 'wxt/browser';
import { extensionURL } from '../shared/url.ts';
import { formatNotificationId, parseNotificationId, type NotificationId } from './notification-id.ts';

const SHOWN_KEY = 'shownNotifications';
type Shown = Record<string, { title: string; message: string; buttons: string[] }>;

/** What a notification says; `buttons` only where the browser has them (Chrome). */
export interface NotificationText {
  title: string;
  message: string;
  buttons?: string[];
}

async function recordShown(update: (shown: Shown) => void): Promise<void> {
  const got = await browser.storage.session.get(SHOWN_KEY);
  const shown = { ...((got[SHOWN_KEY] as Shown | undefined) ?? {}) };
  update(shown);
  await browser.storage.session.set({ [SHOWN_KEY]: shown });
}

/**
 * Shows (or replaces) a notification. `chrome` adds what only Chrome has (requireInteraction,
 * priority, silent); its buttons come from `text.buttons`.
 */
export async function showNotification(id: NotificationId, text: NotificationText, chrome: { requireInteraction?: boolean; priority?: number; silent?: boolean } = {}): Promise<void> {
  const raw = formatNotificationId(id);
  const buttons = text.buttons ?? [];
  await recordShown((s) => (s[raw] = { title: text.title, message: text.message, buttons }));
  await browser.notifications.create(raw, {
    type: 'basic',
    iconUrl: extensionURL('/icon/128.png'),
    title: text.title,
    message: text.message,
    ...chrome,
    ...(buttons.length ? { buttons: buttons.map((title) => ({ title })) } : {}),
  });
}

/** The notifications of one kind on screen now (a woken worker sees what an earlier one showed). */
export async function shownOf<K extends NotificationId['kind']>(kind: K): Promise<Array<Extract<NotificationId, { kind: K }>>> {
  const ids = Object.keys(await browser.notifications.getAll()).map(parseNotificationId);
  return ids.filter((id): id is Extract<NotificationId, { kind: K }> => id?.kind === kind);
}

export async function clearNotifications(ids: readonly NotificationId[]): Promise<void> {
  const raw = ids.map(formatNotificationId);
  for (const id of raw) await browser.notifications.clear(id);
  if (raw.length) await recordShown((s) => raw.forEach((id) => delete s[id]));
}

/** Clears every notification of one kind, and forgets what any of that kind said (also those closed by hand). */
export async function clearAllOf(kind: NotificationId['kind']): Promise<void> {
  await clearNotifications(await shownOf(kind));
  await recordShown((s) => Object.keys(s).forEach((id) => parseNotificationId(id)?.kind === kind && delete s[id]));
}
