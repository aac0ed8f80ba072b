/**
 * The toolbar button: its badge shows ringing invitations first (red), else unseen missed
 * calls (amber); its tooltip says who is calling while something rings, else the app's name.
 */
import { browser } from 'wxt/browser';
import { t } from '../shared/i18n.ts';

export function badgeFor(ringing: number, missed: number): { text: string; color: string } {
  if (ringing > 0) return { text: String(ringing), color: '#d93025' };
  if (missed > 0) return { text: String(missed), color: '#e37400' };
  return { text: '', color: '#5f6368' };
}

/** The tooltip: "alice is calling" while `caller` rings, else the normal title. */
function titleFor(caller: string | undefined): string {
  return caller ? t('toolbarCalling', caller) : t('extName');
}

let last = '';
export async function syncToolbar(ringing: number, missed: number, caller?: string): Promise<void> {
  const { text, color } = badgeFor(ringing, missed);
  const title = titleFor(caller);
  const key = `${text}|${color}|${title}`;
  if (key === last) return;
  await browser.action.setBadgeBackgroundColor({ color });
  await browser.action.setBadgeText({ text });
  await browser.action.setTitle({ title });
  last = key;
}

/** Forget the cache (tests). */
export function resetToolbarCache(): void {
  last = '';
}
