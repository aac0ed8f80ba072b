/** The toolbar badge: ringing invitations first (red), else unseen missed calls (amber). */
import { browser } from 'wxt/browser';

export function badgeFor(ringing: number, missed: number): { text: string; color: string } {
  if (ringing > 0) return { text: String(ringing), color: '#d93025' };
  if (missed > 0) return { text: String(missed), color: '#e37400' };
  return { text: '', color: '#5f6368' };
}

let last = '';
export async function syncToolbar(ringing: number, missed: number): Promise<void> {
  const { text, color } = badgeFor(ringing, missed);
  const key = `${text}|${color}`;
  if (key === last) return;
  await browser.action.setBadgeBackgroundColor({ color });
  await browser.action.setBadgeText({ text });
  last = key;
}

/** Forget the cache (tests). */
export function resetToolbarCache(): void {
  last = '';
}
