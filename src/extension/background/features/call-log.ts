/**
 * The call log and the passing lines: history, missed calls (their notifications: shown
 * when an invitation times out, cleared once seen, a click opens the popup), a notice
 * dismissed.
 */
import { browser } from 'wxt/browser';
import type { CallEntry, HistoryRecord, ViewState } from '../../shared/schema.ts';
import { t } from '../../shared/i18n.ts';
import { peerOf } from '../calls.ts';
import { sdkCall } from '../errors.ts';
import { defineFeature } from '../feature.ts';
import { fetchHistory } from '../history.ts';
import { loadGroupCallTimes } from '../group-call-times.ts';
import { logError } from '../log.ts';
import { parseNotificationId } from '../notification-id.ts';
import { clearAllOf, clearNotifications, showNotification } from '../notifications.ts';
import type { PhoneContext } from '../phone-context.ts';
import { openPopupWindow } from '../windows.ts';

/** The `missedNotification` effect (effects.ts). */
export async function showMissed(entry: CallEntry): Promise<void> {
  await showNotification({ kind: 'missed', inviteID: entry.inviteID }, { title: t('missedCallTitle'), message: t('missedCallFrom', peerOf(entry)) });
}

/** History with what the worker knows besides: group names (the directory) and my time in group calls. */
async function callLogOf(ctx: PhoneContext): Promise<HistoryRecord[]> {
  const chat = ctx.chat();
  const records = await sdkCall(() => fetchHistory(chat, ctx.me()));
  const times = await loadGroupCallTimes().catch(() => new Map<string, number>());
  const groups = [...new Set(records.map((r) => r.groupID).filter(Boolean))];
  const names = new Map(await Promise.all(groups.map(async (g) => [g, (await ctx.groups.lookup(chat, g)).name] as const)));
  return records.map((r) => {
    if (!r.groupID) return r;
    const name = names.get(r.groupID);
    const time = r.outcome === 'answered' && r.duration === undefined ? times.get(r.inviteID) : undefined;
    return { ...r, ...(name ? { groupName: name } : {}), ...(time !== undefined ? { duration: time } : {}) };
  });
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
    'history/get': (ctx) => callLogOf(ctx),
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
