/** The call log and the passing lines: history, missed calls seen, a notice dismissed. */
import type { HistoryRecord, ViewState } from '../../shared/schema.ts';
import { sdkCall } from '../errors.ts';
import { fetchHistory } from '../history.ts';
import { clearMissedNotifications } from '../notifications.ts';
import type { PhoneContext } from './context.ts';

export function history(ctx: PhoneContext): Promise<HistoryRecord[]> {
  const chat = ctx.chat();
  return sdkCall(() => fetchHistory(chat, ctx.me()));
}

export async function missedSeen(ctx: PhoneContext): Promise<ViewState> {
  await ctx.dispatch({ type: 'missedSeen' });
  await clearMissedNotifications();
  return ctx.view();
}

export async function dismissNotice(ctx: PhoneContext): Promise<ViewState> {
  await ctx.dispatch({ type: 'noticeDismissed' });
  return ctx.view();
}
