/**
 * Pictures and accessibility of a screen in every scheme: axe-core finds no WCAG 2.1 A/AA
 * violation in light or dark, and a screenshot of each goes to screenshotPath (a popup at
 * its own size, other pages whole); `zh` adds one in Simplified Chinese.
 */
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { axeViolations, screenshotPath } from './helpers.ts';

async function shoot(page: Page, file: string): Promise<void> {
  const popup = page.locator('main.popup');
  if (await popup.count()) await popup.screenshot({ path: screenshotPath(file) });
  else await page.screenshot({ path: screenshotPath(file), fullPage: true });
}

/** Sets the extension's language through the worker (a view of it: popup, call window). */
export async function setLanguage(page: Page, language: 'auto' | 'zh_CN' | 'en'): Promise<void> {
  await page.evaluate(
    (l) => (globalThis as unknown as { chrome: { runtime: { sendMessage(m: unknown): Promise<unknown> } } }).chrome.runtime.sendMessage({ type: 'settings/set', patch: { language: l } }),
    language,
  );
}

export async function checkAndShoot(page: Page, name: string, opts: { zh?: boolean; zhReady?: () => Promise<unknown> } = {}): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    expect(await axeViolations(page), `${name} (${scheme})`).toEqual([]);
    await shoot(page, `${name}-${scheme}.png`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
  if (!opts.zh) return;
  await setLanguage(page, 'zh_CN');
  await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
  await opts.zhReady?.();
  await shoot(page, `${name}-zh_CN.png`);
  await setLanguage(page, 'auto');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
}
