/**
 * The call log and the passing lines: history, missed calls (their notifications: shown
 * when an invitation times out, cleared once seen, a click opens the popup), a notice
 * dismissed.
 */
import { browser } from 'wxt/browser';
import type { CallEntry, ViewState } from '../../shared/schema.ts';
import { t } from '../../shared/i18n.ts';
import { peerOf } from '../calls.ts';
import { sdkCall } from '../errors.ts';
import { defineFeature } from '../feature.ts';
import { fetchHistory } from '../history.ts';
import { logError } from '../log.ts';
import { parseNotificationId } from '../notification-id.ts';
import { clearAllOf, clearNotifications, showNotification } from '../notifications.ts';
import type { PhoneContext } from '../phone-context.ts';
import { openPopupWindow } from '../windows.ts';

/** The `missedNotification` effect (effects.ts). */
export async function showMissed(entry: CallEntry): Promise<void> {
  await showNotification({ kind: 'missed', inviteID: entry.inviteID }, { title: t('missedCallTitle'), message: t('missedCallFrom', peerOf(entry)) });
}

async function missedSeen(ctx: PhoneContext): Promise<ViewState> {
  await ctx.dispatch({ type: 'missedSeen' });
  await clearAllOf('missed');
  return ctx.view();
}

async function dismissNotice(ctx: PhoneContext): Promise<ViewState> {
  await ctx.dispatch({ type: 'noticeDismissed' });
  return ctx.view();
}

export const callLog = defineFeature({
  name: 'call-log',
  handles: {
    'history/get': (ctx) => {
      const chat = ctx.chat();
      return sdkCall(() => fetchHistory(chat, ctx.me()));
    },
    'history/seen': (ctx) => missedSeen(ctx),
    'notice/dismiss': (ctx) => dismissNotice(ctx),
  },
  init(ctx) {
    ctx.listen(browser.notifications.onClicked, (raw: string) => {
      const id = parseNotificationId(raw);
      if (id?.kind !== 'missed') return;
      void clearNotifications([id]).catch((e) => logError('notification click', e));
      void openPopupWindow().catch((e) => logError('notification click', e));
    });
  },
});
