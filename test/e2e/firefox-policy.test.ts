/**
 * Firefox's equivalent of the Chromium policy test (managed-policy.test.ts): an
 * organisation's policies.json with "3rdparty" → "Extensions" → the add-on's id sets and
 * locks the server URL, which the add-on reads from storage.managed.
 *
 * Firefox reads policies.json from a system folder (or its installation's distribution
 * folder), which other tests' Firefox instances would read too. Instead this profile
 * points `browser.policies.alternatePath` at a policies.json in a temporary folder: Firefox
 * honours that pref only in automation (the pref `security.turn_off_all_security_…` and
 * MOZ_DISABLE_NONLOCAL_CONNECTIONS=1 in its environment: everything here is on loopback),
 * so nothing outside this profile and folder changes.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADDON_ID, FIREFOX, launchFirefox, openExtensionPage, type FirefoxProfile } from './firefox-helpers.ts';
import { until } from './helpers.ts';

const SERVER = 'wss://ringlet.example';
const HAS_FIREFOX = existsSync(FIREFOX);
if (!HAS_FIREFOX && (process.env.CI === 'true' || process.env.CI === '1')) throw new Error(`CI=true but firefox-esr is missing: ${FIREFOX}`);

describe.skipIf(!HAS_FIREFOX)('managed settings (Firefox policies.json)', () => {
  let dir: string;
  let ff: FirefoxProfile;
  const before = process.env.MOZ_DISABLE_NONLOCAL_CONNECTIONS;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ringlet-ff-policy-'));
    const file = join(dir, 'policies.json');
    writeFileSync(file, JSON.stringify({ policies: { '3rdparty': { Extensions: { [ADDON_ID]: { serverURL: SERVER, lockServerURL: true } } } } }));
    process.env.MOZ_DISABLE_NONLOCAL_CONNECTIONS = '1';
    ff = await launchFirefox({ 'browser.policies.alternatePath': file, 'security.turn_off_all_security_so_that_viruses_can_take_over_this_computer': true });
  }, 120_000);

  afterAll(async () => {
    await ff?.close();
    if (before === undefined) delete process.env.MOZ_DISABLE_NONLOCAL_CONNECTIONS;
    else process.env.MOZ_DISABLE_NONLOCAL_CONNECTIONS = before;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the policy sets and locks the server URL', async () => {
    const page = await openExtensionPage(ff.browser, 'options.html');
    const managed = await page.evaluate(() => (globalThis as unknown as { browser: { storage: { managed: { get(k: null): Promise<unknown> } } } }).browser.storage.managed.get(null));
    expect(managed).toEqual({ serverURL: SERVER, lockServerURL: true });
    const field = await until(
      () => page.evaluate(() => {
        const input = document.querySelector('[data-testid="server"]') as HTMLInputElement | null;
        const note = document.querySelector('[data-testid="server-managed"]');
        return input && note ? { value: input.value, readOnly: input.readOnly, note: note.textContent } : null;
      }),
      'the options page to show the policy',
    );
    expect(field).toEqual({ value: SERVER, readOnly: true, note: 'Set by your organisation.' });
  }, 60_000);
});
