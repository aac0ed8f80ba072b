/**
 * Helpers of the end-to-end tests: a real server on a tmp SQLite file, a local http test
 * page, Chromium profiles with the built extension (playwright-core driving Debian's
 * Chromium), the worker's view of things (notifications, toolbar badge), and the page
 * badge, read and clicked through the DevTools protocol because its shadow root is closed.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page, type Worker } from 'playwright-core';
import { startServer, type RingletServer, type ServerOptions } from '../../src/server/index.ts';
import { createChat, TSignaling } from '../../src/sdk/index.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CHROME_EXT = join(ROOT, '.output/chrome-mv3');
export const FIREFOX_EXT = join(ROOT, '.output/firefox-mv3');
export const SCREENSHOTS = join(ROOT, 'docs/screenshots');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const PASSWORD = 'correct horse battery';

export interface TestServer {
  server: RingletServer;
  close(): Promise<void>;
}

/**
 * A server on a fresh SQLite file. Group adds take effect at once (`groupConsent: false`)
 * unless the test is about consent (`{ groupConsent: true }`): the other suites build their
 * groups the seed's way.
 */
export async function startTestServer(options: Pick<ServerOptions, 'groupConsent'> = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'ringlet-e2e-'));
  const server = await startServer({ port: 0, storage: join(dir, 'ringlet.sqlite'), deadlinePollMs: 200, logLevel: 'silent', groupConsent: false, ...options });
  return {
    server,
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A plain page with hostile CSS (it tries to hide and restyle everything). */
export async function startTestPage(): Promise<{ url: string; close(): Promise<void> }> {
  const html = `<!doctype html><html><head><title>Test page</title><style>
    * { font-family: serif !important; color: red !important; }
    ringlet-badge, body > * { display: none !important; }
  </style></head><body><h1>Some web page</h1><p>Nothing to see.</p></body></html>`;
  const http: Server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(html));
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/`,
    close: () => new Promise((r) => http.close(() => r())),
  };
}

export interface Profile {
  name: string;
  context: BrowserContext;
  extensionId: string;
  dir: string;
  worker(): Promise<Worker>;
  /** SIGKILL of this profile's browser process: no page or worker gets to say goodbye. */
  kill(): void;
  /** Quits the browser but keeps the profile folder (to launch it again: a browser restart). */
  quit(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A persistent Chromium profile with the built extension loaded (TOOLCHAIN.md flags; or the
 * build in `extension`), with `args` added to Chromium's; given the `dir` of a profile that quit, the same profile
 * after a browser restart.
 */
export async function launchProfile(name: string, opts: { dir?: string; args?: string[]; extension?: string } = {}): Promise<Profile> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), `ringlet-${name}-`));
  const extraArgs = opts.args ?? [];
  const extension = opts.extension ?? CHROME_EXT;
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 900, height: 640 },
    args: [
      `--disable-extensions-except=${extension}`,
      `--load-extension=${extension}`,
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      '--autoplay-policy=no-user-gesture-required',
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      // Without it no 127.0.0.1 candidate is gathered and a loopback call never connects.
      '--allow-loopback-in-peer-connection',
      ...extraArgs,
    ],
  });
  const sw = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
  const extensionId = new URL(sw.url()).host;
  if (!opts.dir) {
    // A fresh profile installs the extension, which opens its options tab (onboarding).
    // Chrome opens that tab as a singleton: a page of ours already loading options.html when
    // it happens is navigated again ("interrupted by another navigation", seen in CI). Wait
    // until the extension's own tab is there and loaded; from then on no page of ours can be
    // taken for it.
    const optionsUrl = `chrome-extension://${extensionId}/options.html`;
    const onboarding = await until(async () => context.pages().find((pg) => pg.url().startsWith(optionsUrl)) ?? null, `${name}'s options tab opened on install`);
    await onboarding.waitForLoadState();
  }
  return {
    name,
    context,
    extensionId,
    dir,
    /** The current worker, waking it (a port from an extension page) if it was stopped. */
    async worker() {
      const live = context.serviceWorkers().find((w) => w.url().includes(extensionId));
      if (live) return live;
      const next = context.waitForEvent('serviceworker', { timeout: 15_000 });
      const page = await context.newPage();
      await page.goto(`chrome-extension://${extensionId}/popup.html`);
      const w = await next;
      await page.close();
      return w;
    },
    kill() {
      // The browser process is the one started with this profile's (unique, temporary) folder.
      const out = execFileSync('pgrep', ['-f', '--', `--user-data-dir=${dir}`], { encoding: 'utf8' });
      for (const pid of out.split('\n').map(Number).filter((n) => n > 0)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    },
    async quit() {
      await context.close();
    },
    async close() {
      await context.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The call window (an extension page opened with windows.create) once it is there. */
export async function callWindow(p: Profile, timeoutMs = 15_000): Promise<Page> {
  return until(async () => p.context.pages().find((pg) => pg.url().includes('/call.html') && !pg.isClosed()) ?? null, `${p.name}'s call window`, timeoutMs);
}

/** Per-participant `getStats` samples of the call window's session (bytes in/out, RTT). */
export interface RtcSample {
  inAudioBytes: number;
  inVideoBytes: number;
  outAudioBytes: number;
  outVideoBytes: number;
  rtt: number | null;
}
export async function rtcSamples(page: Page): Promise<Record<string, RtcSample>> {
  return page.evaluate(() => (globalThis as unknown as { __ringletCall: { samples(): Promise<Record<string, RtcSample>> } }).__ringletCall.samples());
}

/**
 * Width of the video `user`'s tile shows in a call window: above 0 once a frame of their
 * video was decoded there, 0 while none has been.
 */
export function remoteVideoWidth(page: Page, user: string): Promise<number> {
  return page.evaluate((u) => (document.querySelector(`[data-testid="peer-tile"][data-user="${u}"] video`) as HTMLVideoElement | null)?.videoWidth ?? 0, user);
}

export function extUrl(p: Profile, page: string): string {
  return `chrome-extension://${p.extensionId}/${page}`;
}

/** Signs in (creating the account) through the options page, as a person would. */
export async function signInThroughOptions(p: Profile, server: string, userID: string, create: boolean): Promise<Page> {
  const page = await p.context.newPage();
  // launchProfile waited for the extension's own options tab, so this navigation is ours alone.
  await page.goto(extUrl(p, 'options.html'));
  await page.getByTestId('server').fill(server);
  await page.getByTestId('user-id').fill(userID);
  await page.getByTestId('password').fill(PASSWORD);
  await page.getByTestId(create ? 'create-account' : 'sign-in').click();
  await page.getByTestId('sign-out').waitFor({ timeout: 15_000 });
  await page.locator('[data-testid="status"][data-connection="online"]').waitFor();
  return page;
}

/** Opens the popup page as a tab (chrome-extension://ID/popup.html). */
export async function openPopup(p: Profile): Promise<Page> {
  const page = await p.context.newPage();
  await page.setViewportSize({ width: 380, height: 560 });
  await page.goto(extUrl(p, 'popup.html'));
  await page.getByTestId('popup').waitFor();
  return page;
}

/**
 * One popup per profile for a test file: `popup(p)` opens it once and again only after it
 * was closed; `dial(p, userID, callType)` calls from it.
 */
export function popupsFor(): { popup: (p: Profile) => Promise<Page>; dial: (from: Profile, userID: string, callType?: 'audio' | 'video') => Promise<void> } {
  const pages = new Map<string, Page>();
  const popup = async (p: Profile): Promise<Page> => {
    let page = pages.get(p.name);
    if (!page || page.isClosed()) {
      page = await openPopup(p);
      pages.set(p.name, page);
    }
    return page;
  };
  const dial = async (from: Profile, userID: string, callType: 'audio' | 'video' = 'audio'): Promise<void> => {
    const page = await popup(from);
    await page.getByPlaceholder('User ID').fill(userID);
    await page.getByTestId(`type-${callType}`).check();
    await page.getByTestId('dial').click();
  };
  return { popup, dial };
}

export interface ShownNotification {
  title: string;
  message: string;
  buttons: string[];
}

/** The notifications on screen (`chrome.notifications.getAll()`), with what each says. */
export async function notifications(p: Profile): Promise<Record<string, ShownNotification>> {
  const w = await p.worker();
  const ids = (await w.evaluate('chrome.notifications.getAll()')) as Record<string, boolean>;
  const said = (await w.evaluate('chrome.storage.session.get("shownNotifications")')) as { shownNotifications?: Record<string, ShownNotification> };
  return Object.fromEntries(Object.keys(ids).map((id) => [id, said.shownNotifications?.[id] ?? { title: '?', message: '?', buttons: [] }]));
}

export async function toolbarBadge(p: Profile): Promise<string> {
  const w = await p.worker();
  return w.evaluate('chrome.action.getBadgeText({})');
}

interface CdpNode {
  nodeId: number;
  backendNodeId: number;
  nodeName: string;
  nodeValue?: string;
  children?: CdpNode[];
  shadowRoots?: CdpNode[];
  attributes?: string[];
}

function textOf(n: CdpNode): string {
  if (n.nodeName === '#text') return n.nodeValue ?? '';
  return [...(n.children ?? [])].map(textOf).join('');
}

function walk(n: CdpNode, visit: (n: CdpNode) => void): void {
  visit(n);
  for (const c of [...(n.children ?? []), ...(n.shadowRoots ?? [])]) walk(c, visit);
}

export interface BadgeButton {
  label: string;
  action: string;
  backendNodeId: number;
  /** Visible and unmoved long enough for a click to count (the clickjacking defence). */
  armed: boolean;
  /** Clicks the badge refused so far (covered, just appeared or moved). */
  refused: number;
}

/** What the page badge shows, read through the closed shadow root. */
export interface PageBadge {
  present: boolean;
  /** Each card's main line ("alice is calling"). */
  texts: string[];
  hints: string[];
  buttons: BadgeButton[];
  /** Each card's app and call-type line ("Ringlet · Video call"). */
  meta: string[];
  /** Each card's call-type icon (its `data-type`). */
  icons: string[];
}

/** What the page badge shows: its lines, hints and buttons, read through the closed shadow root. */
export async function pageBadge(page: Page): Promise<PageBadge> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { root } = (await cdp.send('DOM.getDocument', { depth: -1, pierce: true })) as { root: CdpNode };
    let host: CdpNode | undefined;
    walk(root, (n) => {
      if (n.nodeName === 'RINGLET-BADGE') host = n;
    });
    if (!host) return { present: false, texts: [], hints: [], buttons: [], meta: [], icons: [] };
    const texts: string[] = [];
    const hints: string[] = [];
    const meta: string[] = [];
    const icons: string[] = [];
    const buttons: BadgeButton[] = [];
    walk(host, (n) => {
      const attrs = n.attributes ?? [];
      const cls = attrs[attrs.indexOf('class') + 1];
      if (attrs.includes('class') && cls === 'text') texts.push(textOf(n));
      if (attrs.includes('class') && cls === 'app') meta.push(textOf(n));
      if (attrs.includes('class') && cls === 'icon') icons.push(attrs[attrs.indexOf('data-type') + 1] ?? '');
      if (attrs.includes('class') && cls === 'hint' && !attrs.includes('hidden')) hints.push(textOf(n));
      if (n.nodeName === 'BUTTON') {
        buttons.push({ label: textOf(n), action: attrs[attrs.indexOf('data-action') + 1] ?? '', backendNodeId: n.backendNodeId, armed: attrs.includes('data-armed'), refused: Number(attrs[attrs.indexOf('data-refused') + 1] ?? 0) || 0 });
      }
    });
    return { present: true, texts, hints, buttons, meta, icons };
  } finally {
    await cdp.detach();
  }
}

/**
 * A real (trusted) mouse click on a page-badge button, by default once it is armed (a
 * click on a badge that just appeared does not count: the clickjacking defence).
 */
export async function clickPageBadge(page: Page, action: string, opts: { waitArmed?: boolean } = {}): Promise<void> {
  const find = async () => (await pageBadge(page)).buttons.find((b) => b.action === action && (b.armed || opts.waitArmed === false));
  const button = await until(find, `an armed "${action}" button in the page badge`).catch(async (e: unknown) => {
    throw new Error(`${String(e)}: ${JSON.stringify(await pageBadge(page))}`);
  });
  const cdp = await page.context().newCDPSession(page);
  try {
    const { model } = (await cdp.send('DOM.getBoxModel', { backendNodeId: button.backendNodeId })) as { model: { content: number[] } };
    const [x1, y1, , , x3, y3] = model.content as [number, number, number, number, number, number];
    await page.mouse.click((x1 + x3) / 2, (y1 + y3) / 2);
  } finally {
    await cdp.detach();
  }
}

/** Polls until `fn` returns something truthy (or throws its last error). The bound is a hang guard: 30 s, a third of the e2e test timeout, for a loaded machine. */
export async function until<T>(fn: () => Promise<T>, what: string, timeoutMs = 30_000): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** A Node SDK client (a third party, or a user's second device). */
export async function nodeClient(server: RingletServer, userID: string) {
  const chat = createChat({ server: server.url });
  await chat.login({ userID, userSig: await server.userSig(userID, 3600) });
  return chat;
}

export { TSignaling };

/**
 * Where a screenshot goes: docs/screenshots when RINGLET_SCREENSHOTS=docs (to refresh the
 * pictures in the docs), else a temporary folder, so a test run leaves the tree untouched.
 */
export function screenshotPath(name: string): string {
  const dir = process.env.RINGLET_SCREENSHOTS === 'docs' ? SCREENSHOTS : join(tmpdir(), 'ringlet-e2e-screenshots');
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}

const AXE_SOURCE = readFileSync(join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');

/**
 * WCAG 2.1 A/AA violations axe-core finds on a page. Extension pages forbid inline
 * scripts, so axe's source is evaluated rather than added as a script tag.
 */
export async function axeViolations(page: Page): Promise<Array<{ id: string; impact: string | null; targets: string[] }>> {
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: Array<{ id: string; impact: string | null; nodes: Array<{ target: string[] }> }> }> } }).axe;
    const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target.join(' ')) }));
  });
}
