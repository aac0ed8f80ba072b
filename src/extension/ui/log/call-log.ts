/**
 * The call log's pure parts: when a call was (today / yesterday / a date), what it was
 * (outcome text and whether it counts as missed), and the bounded page of rows shown.
 * The views only render what these return, so the rules are unit-tested here.
 */
import type { HistoryRecord } from '../../shared/schema.ts';
import type { Language, MessageKey } from '../../shared/i18n.ts';

/** Rows shown at first, and how many more each "Show more" adds. */
export const LOG_PAGE = 8;

export type Day = 'today' | 'yesterday' | 'earlier';

const DAY_MS = 86_400_000;

function startOfDay(ms: number): number {
  const d = new Date(ms);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/** Which local calendar day `time` falls on, seen from `now`. */
export function dayOf(time: number, now: number): Day {
  const today = startOfDay(now);
  if (time >= today) return 'today';
  // Daylight-saving days are 23 or 25 hours long: compare calendar days, not 24 h spans.
  if (startOfDay(time) === startOfDay(today - DAY_MS / 2)) return 'yesterday';
  return 'earlier';
}

const LOCALE: Record<Language, string> = { en: 'en-GB', zh_CN: 'zh-CN' };

/** "14:03" in the UI language's 24-hour clock. */
export function clockTime(time: number, lang: Language): string {
  return new Intl.DateTimeFormat(LOCALE[lang], { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(time);
}

/** "12 Nov" (this year) or "12 Nov 2025" (another year), in the UI language. */
export function calendarDate(time: number, now: number, lang: Language): string {
  const sameYear = new Date(time).getFullYear() === new Date(now).getFullYear();
  return new Intl.DateTimeFormat(LOCALE[lang], { day: 'numeric', month: 'short', ...(sameYear ? {} : { year: 'numeric' }) }).format(time);
}

/** A missed call is one that rang here and nobody answered (timed out, or the caller gave up). */
export function isMissed(r: HistoryRecord): boolean {
  return r.direction === 'incoming' && r.outcome === 'missed';
}

/** The outcome as a message key; a finished answered call shows its duration instead. */
export function outcomeKey(r: HistoryRecord): MessageKey {
  if (r.outcome === 'missed') return r.direction === 'outgoing' ? 'outcomeNoAnswer' : 'outcomeMissed';
  const keys: Record<Exclude<HistoryRecord['outcome'], 'missed'>, MessageKey> = {
    answered: 'outcomeAnswered',
    rejected: r.direction === 'incoming' ? 'outcomeDeclined' : 'outcomeRejected',
    busy: 'outcomeBusy',
    cancelled: 'outcomeCancelled',
    pending: 'outcomePending',
  };
  return keys[r.outcome];
}

/** The first `shown` records, and whether there are more. */
export function page<T>(records: readonly T[], shown: number): { rows: T[]; more: boolean } {
  return { rows: records.slice(0, shown), more: records.length > shown };
}

/** Who a row names: the group's name (or ID), else the person. */
export function logName(r: HistoryRecord): string {
  return r.groupID ? (r.groupName ?? r.groupID) : r.peer;
}

/**
 * The rows a search and the "missed" filter keep: the query matches (case-insensitively,
 * anywhere) the name, the group's ID or anyone who joined.
 */
export function filterLog(records: readonly HistoryRecord[], query: string, missedOnly: boolean): HistoryRecord[] {
  const q = query.trim().toLowerCase();
  return records.filter((r) => {
    if (missedOnly && !isMissed(r)) return false;
    if (!q) return true;
    return [logName(r), r.peer, ...(r.joined ?? [])].some((x) => x.toLowerCase().includes(q));
  });
}
