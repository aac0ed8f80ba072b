/**
 * A system notification per ringing invitation (id `ring:<inviteID>`), reconciled against
 * what is on screen so a woken worker never shows one twice. Chrome gets Accept/Reject
 * buttons and `requireInteraction`; Firefox has neither, so a click opens the popup page
 * in a window, where one can answer.
 */
import { callerLine } from '../../shared/caller.ts';
import { browser } from 'wxt/browser';
import type { CallEntry, Settings } from '../../shared/schema.ts';
import { t } from '../../shared/i18n.ts';
import { defineFeature } from '../feature.ts';
import { logError } from '../log.ts';
import { parseNotificationId } from '../notification-id.ts';
import { clearNotifications, showNotification, shownOf } from '../notifications.ts';
import { openPopupWindow } from '../windows.ts';

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
  const who = entry.groupID ? t('callerInGroup', entry.inviter, entry.groupName ?? entry.groupID) : callerLine(entry);
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

/** Makes the set of ring notifications on screen equal to `wanted` (a derived output, outputs.ts). */
export async function syncRingNotifications(wanted: CallEntry[]): Promise<void> {
  const shown = await shownOf('ring');
  const want = new Map(wanted.map((e) => [e.inviteID, e]));
  await clearNotifications(shown.filter((id) => !want.has(id.inviteID)));
  const onScreen = new Set(shown.map((id) => id.inviteID));
  for (const [inviteID, entry] of want) {
    if (onScreen.has(inviteID)) continue;
    await showNotification(
      { kind: 'ring', inviteID },
      { ...ringContent(entry), ...(FIREFOX ? {} : { buttons: [t('accept'), t('reject')] }) },
      FIREFOX ? {} : { requireInteraction: true, priority: 2, silent: true /* the ringtone is ours */ },
    );
  }
}

/** The buttons answer; a click on the notification itself opens the popup in a window. */
export const ringNotifications = defineFeature({
  name: 'ring-notifications',
  init(ctx) {
    ctx.listen(browser.notifications.onButtonClicked, (raw: string, index: number) => {
      const id = parseNotificationId(raw);
      if (id?.kind !== 'ring') return;
      const inviteID = id.inviteID;
      void ctx.phone.handle(index === 0 ? { type: 'call/accept', inviteID } : { type: 'call/reject', inviteID }).catch((e) => logError('notification button', e));
    });
    ctx.listen(browser.notifications.onClicked, (raw: string) => {
      if (parseNotificationId(raw)?.kind === 'ring') void openPopupWindow().catch((e) => logError('notification click', e));
    });
  },
});
