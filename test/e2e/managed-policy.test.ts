/**
 * An organisation presets the server by browser policy (storage.managed, the schema in
 * public/managed_schema.json): Chromium reads a policy file naming the extension's id, the
 * options page shows the policy's server, read-only and saying so, and the worker refuses
 * any other server.
 *
 * Chromium reads policies only from the system folder /etc/chromium/policies/managed, and
 * other engineers (and CI's parallel test files) run Chromium at the same time. So this
 * test builds its own copy of the extension with a DIFFERENT manifest key, generated for
 * this run (RINGLET_CHROME_KEY: a different extension id, which no other browser has),
 * writes a policy that names only that id, and removes the file in afterAll (and the
 * folders, when it created them and they are empty). Another Chromium that reads the
 * folder meanwhile finds a policy for an extension it does not have, which it ignores.
 * Run it as every e2e file, under the shared lock (flock /tmp/ringlet-heavy.lock).
 */
import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, extUrl, launchProfile, ROOT, screenshotPath, type Profile } from './helpers.ts';

const POLICY_DIR = '/etc/chromium/policies/managed';
const SERVER = 'wss://ringlet.example';

/** Chrome's extension id of a manifest key: the first 128 bits of SHA-256 of the key, as a-p. */
function extensionId(publicKeyDer: Buffer): string {
  return [...createHash('sha256').update(publicKeyDer).digest('hex').slice(0, 32)].map((c) => String.fromCharCode(97 + parseInt(c, 16))).join('');
}

let out: string;
let id: string;
let policyFile: string;
let createdDirs: string[] = [];
let profile: Profile;

beforeAll(async () => {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const der = publicKey.export({ type: 'spki', format: 'der' });
  id = extensionId(der);
  out = mkdtempSync(join(tmpdir(), 'ringlet-policy-ext-'));
  execFileSync(process.execPath, [join(ROOT, 'node_modules/wxt/bin/wxt.mjs'), 'build'], {
    cwd: ROOT,
    stdio: 'pipe',
    env: { ...process.env, NODE_ENV: 'production', RINGLET_OUT_DIR: out, RINGLET_CHROME_KEY: der.toString('base64') },
  });
  for (const d of ['/etc/chromium', '/etc/chromium/policies', POLICY_DIR]) {
    if (!existsSync(d)) {
      mkdirSync(d);
      createdDirs.push(d);
    }
  }
  policyFile = join(POLICY_DIR, `ringlet-test-${id}.json`);
  writeFileSync(policyFile, JSON.stringify({ '3rdparty': { extensions: { [id]: { serverURL: SERVER, lockServerURL: true } } } }));
  profile = await launchProfile('policy', { extension: join(out, 'chrome-mv3') });
}, 180_000);

afterAll(async () => {
  await profile?.close();
  if (policyFile) rmSync(policyFile, { force: true });
  for (const d of createdDirs.reverse()) if (existsSync(d) && readdirSync(d).length === 0) rmdirSync(d);
  createdDirs = [];
  if (out) rmSync(out, { recursive: true, force: true });
});

describe('managed settings (Chromium policy)', () => {
  it('the policy sets and locks the server URL', async () => {
    expect(profile.extensionId).toBe(id);
    const w = await profile.worker();
    expect(await w.evaluate('chrome.storage.managed.get(null)')).toEqual({ serverURL: SERVER, lockServerURL: true });

    const page = await profile.context.newPage();
    await page.goto(extUrl(profile, 'options.html'));
    const field = page.getByTestId('server');
    await page.getByTestId('server-managed').waitFor();
    expect(await field.inputValue()).toBe(SERVER);
    expect(await field.getAttribute('readonly')).not.toBeNull();
    expect(await page.getByTestId('server-managed').textContent()).toBe('Set by your organisation.');
    await page.screenshot({ path: screenshotPath('options-managed-server.png') });
    expect(await axeViolations(page)).toEqual([]);

    // The worker holds to it too: a request naming another server is refused before any POST.
    const refused = (await page.evaluate(() =>
      chrome.runtime.sendMessage({ type: 'account/signIn', server: 'ws://127.0.0.1:8787', userID: 'alice', password: 'correct horse battery', create: false }),
    )) as { ok: boolean; error?: { code: string; message: string } };
    expect(refused).toEqual({ ok: false, error: { code: 'server_locked', message: `Your organisation set the server to ${SERVER}; it cannot be changed here.` } });
    await page.close();
  }, 60_000);
});
