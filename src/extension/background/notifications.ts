/**
 * System notifications, the stand-in for offline push. One per ringing invitation
 * (id `ring:<inviteID>`), reconciled against what is on screen, so a woken worker never
 * shows one twice; a `missed:<inviteID>` one when an invitation times out.
 * Chrome gets Accept/Reject buttons and `requireInteraction`; Firefox has neither, so a
 * click opens the popup page where one can answer.
 */
import { browser } from 'wxt/browser';
import type { CallEntry, Settings } from '../shared/schema.ts';
import { t } from '../shared/i18n.ts';
import { peerOf } from './calls.ts';
import { extensionURL } from '../shared/url.ts';

export const RING_PREFIX = 'ring:';
export const MISSED_PREFIX = 'missed:';
const FIREFOX = import.meta.env.FIREFOX;

/** How much of the caller's push text a notification shows (one added line). */
const PUSH_LINE_MAX = 120;

/**
 * Title and text of a ringing invitation. The title always names the authenticated
 * caller (the server's `inviter`); the caller's `offlinePushInfo` text may only add a
 * line below ours, marked as the caller's words, so it cannot pose as someone else.
 */
export function ringContent(entry: CallEntry): { title: string; message: string } {
  const push = entry.offlinePushInfo;
  const who = entry.groupID ? t('callerInGroup', entry.inviter, entry.groupName ?? entry.groupID) : entry.inviter;
  const title = t('incomingCallFrom', who);
  const kind = entry.waiting ? t('callWaiting') : entry.callType === 'video' ? t('videoCall') : t('audioCall');
  const said = [push?.title, push?.description]
    .map((s) => (s ?? '').replace(/\s+/g, ' ').trim())
    .filter(Boolean)
    .join(' · ');
  const line = said.length > PUSH_LINE_MAX ? `${said.slice(0, PUSH_LINE_MAX - 1)}…` : said;
  return { title, message: line ? `${kind}\n${t('callerSays', entry.inviter, line)}` : kind };
}

/**
 * Whether this invitation may raise a notification at all. The caller's `disablePush`
 * stands for "no offline push": it governs only invitations delivered at login (while
 * this device was away), never a live ring; the callee's own settings decide the rest.
 */
export function wantsNotification(entry: CallEntry, settings: Settings): boolean {
  // Classroom prompts show in the popup and the page badge only: they are not calls.
  if (!settings.notifications || entry.direction !== 'incoming' || entry.kind) return false;
  return !(entry.atLogin && entry.offlinePushInfo?.disablePush === true);
}

function iconUrl(): string {
  return extensionURL('/icon/128.png');
}

/**
 * What each notification on screen says, kept in `storage.session` because Chrome's
 * `getAll()` answers only ids: the options page and the tests can read it back.
 */
export const SHOWN_KEY = 'shownNotifications';
type Shown = Record<string, { title: string; message: string; buttons: string[] }>;

async function recordShown(update: (shown: Shown) => void): Promise<void> {
  const got = await browser.storage.session.get(SHOWN_KEY);
  const shown = { ...((got[SHOWN_KEY] as Shown | undefined) ?? {}) };
  update(shown);
  await browser.storage.session.set({ [SHOWN_KEY]: shown });
}

/** Makes the set of `ring:` notifications on screen equal to `wanted`. */
export async function syncRingNotifications(wanted: CallEntry[]): Promise<void> {
  const shown = Object.keys(await browser.notifications.getAll());
  const want = new Map(wanted.map((e) => [RING_PREFIX + e.inviteID, e]));
  const gone = shown.filter((id) => id.startsWith(RING_PREFIX) && !want.has(id));
  for (const id of gone) await browser.notifications.clear(id);
  if (gone.length) await recordShown((s) => gone.forEach((id) => delete s[id]));
  for (const [id, entry] of want) {
    if (shown.includes(id)) continue;
    const { title, message } = ringContent(entry);
    await recordShown((s) => (s[id] = { title, message, buttons: FIREFOX ? [] : [t('accept'), t('reject')] }));
    await browser.notifications.create(id, {
      type: 'basic',
      iconUrl: iconUrl(),
      title,
      message,
      ...(FIREFOX
        ? {}
        : {
            requireInteraction: true,
            priority: 2,
            silent: true, // the ringtone is ours
            buttons: [{ title: t('accept') }, { title: t('reject') }],
          }),
    });
  }
}

export async function showMissed(entry: CallEntry): Promise<void> {
  const title = t('missedCallTitle');
  const message = t('missedCallFrom', peerOf(entry));
  await recordShown((s) => (s[MISSED_PREFIX + entry.inviteID] = { title, message, buttons: [] }));
  await browser.notifications.create(MISSED_PREFIX + entry.inviteID, { type: 'basic', iconUrl: iconUrl(), title, message });
}

/** Sign-in needed (expired userSig). */
export async function showSignInAgain(): Promise<void> {
  await browser.notifications.create('auth:expired', {
    type: 'basic',
    iconUrl: iconUrl(),
    title: t('extName'),
    message: t('sessionExpired'),
  });
}

export async function clearMissedNotifications(): Promise<void> {
  for (const id of Object.keys(await browser.notifications.getAll())) {
    if (id.startsWith(MISSED_PREFIX)) await browser.notifications.clear(id);
  }
  await recordShown((s) => Object.keys(s).forEach((id) => id.startsWith(MISSED_PREFIX) && delete s[id]));
}
