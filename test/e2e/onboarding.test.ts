/**
 * Onboarding in real headless Chromium with fake media devices: the sign-in errors (the
 * password rule, an unknown account offered "Create an account", "Account created"), the
 * "you're ready" step (mic meter, ringtone preview, local echo test), axe-core on every
 * state of the options page, and light/dark screenshots.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { extUrl, launchProfile, PASSWORD, ROOT, screenshotPath, startTestServer, until, type Profile, type TestServer } from './helpers.ts';

const AXE = readFileSync(join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  nodes: Array<{ target: unknown; failureSummary?: string }>;
}

/** axe-core's violations on the page as it is now (injected with evaluate: extension CSP). */
async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(AXE);
  const result = (await page.evaluate('axe.run(document).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })) })))')) as AxeViolation[];
  return result;
}

/** Zero axe violations in the light and the dark colour scheme; a screenshot of each. */
async function checkScreen(page: Page, name: string): Promise<void> {
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    expect(await axeViolations(page), `${name} (${colorScheme})`).toEqual([]);
    await page.screenshot({ path: screenshotPath(`${name}-${colorScheme}.png`), fullPage: true });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

let srv: TestServer;
let dana: Profile;
let page: Page;

beforeAll(async () => {
  srv = await startTestServer();
  dana = await launchProfile('dana');
  // The newcomer's first screen: the options tab the extension opens on install. (Opening
  // another one ourselves raced with it: Chrome can navigate that tab a second time.)
  page = await until(async () => dana.context.pages().find((p) => p.url().startsWith(extUrl(dana, 'options.html'))), 'the options tab opened on install');
  await page.getByTestId('server').waitFor();
});

afterAll(async () => {
  await dana?.close();
  await srv?.close();
});

describe('Onboarding (Chromium)', () => {
  it('states the password rule up front, and again for a short password', async () => {
    await checkScreen(page, 'options-signed-out');
    await expect(page.getByTestId('password-rule').textContent()).resolves.toBe('At least 8 characters.');
    await page.getByTestId('server').fill(srv.server.url);
    await page.getByTestId('user-id').fill('dana');
    await page.getByTestId('password').fill('short');
    await page.getByTestId('sign-in').click();
    const error = page.getByTestId('account-error');
    await error.waitFor();
    expect(await error.textContent()).toBe('The password needs 8 to 256 characters.');
    expect(await page.getByTestId('offer-create').count()).toBe(0);
  });

  it('a wrong password for an existing ID: the offered creation says the password is wrong, and is not offered again', async () => {
    const registered = await fetch(`${srv.server.httpUrl}/api/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userID: 'erin', password: PASSWORD }) });
    expect(registered.status).toBe(200);
    await page.getByTestId('user-id').fill('erin');
    await page.getByTestId('password').fill('not her password');
    await page.getByTestId('sign-in').click();
    await page.locator('[data-testid="account-error"][data-code="70003"]').waitFor();
    // The server's sign-in does not say whether erin exists: the form cannot know yet.
    await page.getByRole('button', { name: 'Create an account' }).click();
    const error = page.locator('[data-testid="account-error"][data-code="70002"]');
    await error.waitFor();
    expect(await error.textContent()).toBe('“erin” has an account on this server, so the password is wrong. Check it and sign in again.');
    expect(await page.getByTestId('offer-create').count()).toBe(0);
    await checkScreen(page, 'options-wrong-password');
    await page.getByTestId('sign-in').click();
    await page.locator('[data-testid="account-error"][data-code="70003"]').waitFor();
    expect(await page.getByTestId('account-error').textContent()).toBe('“erin” has an account on this server, so the password is wrong. Check it and sign in again.');
    expect(await page.getByTestId('offer-create').count()).toBe(0);
    await page.getByTestId('user-id').fill('dana');
  });

  it('a sign-in to an account that does not exist offers to create it; the button creates it', async () => {
    await page.getByTestId('password').fill(PASSWORD);
    await page.getByTestId('sign-in').click();
    const error = page.locator('[data-testid="account-error"][data-code="70003"]');
    await error.waitFor();
    expect(await error.getByRole('paragraph').first().textContent()).toBe('User ID or password is wrong.');
    await checkScreen(page, 'options-create-offer');
    await page.getByRole('button', { name: 'Create an account' }).click();
    const banner = page.getByRole('status').filter({ hasText: 'Account created' });
    await banner.waitFor();
    expect(await banner.textContent()).toBe('Account created, you are signed in.');
    await page.locator('[data-testid="status"][data-connection="online"]').waitFor();
    await page.getByTestId('ready').waitFor();
  });

  it('the ready step: the microphone meter moves with the fake device', async () => {
    await page.getByTestId('mic-check-toggle').click();
    const meter = page.getByRole('meter', { name: 'Microphone level' });
    await until(async () => Number(await meter.getAttribute('value')) > 0, 'the microphone level above 0');
    await checkScreen(page, 'options-ready');
    await page.getByTestId('mic-check-toggle').click();
    await until(async () => (await page.getByTestId('mic-check-toggle').textContent()) === 'Check microphone', 'the meter stopped');
  });

  it('the ready step: the ringtone preview plays', async () => {
    await page.getByTestId('ring-preview').click();
    await until(
      () => page.getByTestId('ring-preview-audio').evaluate((a: HTMLAudioElement) => a.played.length > 0 && (a.currentTime > 0 || a.ended)),
      'the ringtone preview playing',
    );
  });

  it('the ready step: the local echo test records and plays the clip back', async () => {
    await page.getByTestId('echo-start').click();
    await page.locator('[data-testid="echo-check"][data-phase="recording"]').waitFor();
    await page.locator('[data-testid="echo-check"][data-phase="done"]').waitFor({ timeout: 20_000 });
    const played = await page.getByTestId('echo-audio').evaluate((a: HTMLAudioElement) => ({ src: a.src, played: a.played.length, duration: a.duration }));
    expect(played.src.startsWith('blob:')).toBe(true);
    expect(played.played).toBeGreaterThan(0);
    expect(await page.getByTestId('echo-status').textContent()).toContain('Did you hear yourself?');
  });

  it('signed in, after the ready step: no axe violations', async () => {
    await page.getByTestId('ready-done').click();
    await page.getByTestId('check-setup').waitFor();
    expect(await page.getByTestId('ready').count()).toBe(0);
    // The shortcuts as Chrome has them bound (commands.getAll), three of them global.
    const bound = (await page.evaluate('chrome.commands.getAll()')) as Array<{ name: string; shortcut: string }>;
    const keys = Object.fromEntries(bound.map((c) => [c.name, c.shortcut]));
    expect(keys).toMatchObject({ 'accept-newest': 'Ctrl+Shift+1', 'hang-up': 'Ctrl+Shift+2', 'toggle-mute': 'Ctrl+Shift+3' });
    for (const c of bound.filter((b) => b.name !== '_execute_action')) {
      // What the browser has bound, said as it is ("not set" for a key it did not assign).
      const said = !c.shortcut ? 'not set' : c.name === 'reject-newest' ? c.shortcut : `${c.shortcut} · works while the browser is not focused`;
      expect(await page.getByTestId(`shortcut-${c.name}`).getByRole('definition').textContent()).toBe(said);
    }
    expect(await page.getByTestId('shortcuts').getByRole('term').allTextContents()).toEqual([
      'Accept the newest incoming call', 'Hang up the call in progress (or stop dialling)', 'Mute or unmute the microphone in a call', 'Reject the newest incoming call',
    ]);
    await checkScreen(page, 'options-signed-in');
  });

  it('the password rule and the ready step in zh_CN', async () => {
    await page.getByTestId('setting-language').selectOption('zh_CN');
    await page.getByTestId('check-setup').waitFor();
    await until(async () => (await page.getByTestId('check-setup').textContent()) === '检查我的设置', 'the page in zh_CN');
    await page.getByTestId('check-setup').click();
    await page.getByTestId('ready').getByRole('heading', { name: '一切就绪' }).waitFor();
    expect(await page.getByTestId('account-banner').textContent()).toBe('账号已创建，已登录。');
    await page.screenshot({ path: screenshotPath('options-ready-zh_CN.png'), fullPage: true });
    await page.getByTestId('setting-language').selectOption('en');
  });
});
