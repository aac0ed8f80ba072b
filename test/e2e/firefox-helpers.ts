/**
 * Helpers of the Firefox end-to-end test: headless firefox-esr driven by puppeteer-core
 * over WebDriver BiDi, with the add-on's pages reachable.
 *
 * Two things make the add-on's own pages drivable in Firefox:
 *
 * - `extensions.webextensions.uuids` (a JSON map add-on id → internal UUID, read when the
 *   add-on is installed) pins the `moz-extension://UUID/` origin, the way a manifest `key`
 *   pins the Chrome extension id. The add-on id is `browser_specific_settings.gecko.id`.
 * - `--remote-allow-system-access` is Firefox's own switch for automation that needs more
 *   than web content (Firefox's remote agent, `RemoteAgent.allowSystemAccess`). Without
 *   it `browsingContext.navigate` refuses every `moz-extension://` URL ("Navigation … is
 *   not allowed in this context"). With it the navigation happens and `script.evaluate`
 *   works in the page, but Firefox 153 still sends no navigation or load events for
 *   browsing contexts in the extension process (bug 1755014): `page.goto` would wait
 *   forever, so the navigation is started with `wait: "none"` and the page is polled.
 *
 * Everything else is ordinary BiDi: typing and clicking are `input.performActions`, and
 * the page badge's closed shadow root is read from the BiDi serialization of its host
 * (`includeShadowTree: "all"`), which a page script cannot do.
 *
 * Notifications: headless Firefox has no desktop notification daemon, so with the system
 * backend a notification is closed the moment it is created. `alerts.useSystemBackend`
 * off makes Firefox draw its own alert window instead (it exists headless too), and the
 * browser's chrome context, also opened to BiDi by `--remote-allow-system-access`, lists
 * those windows and what they say.
 *
 * Nothing here changes the add-on: the prefs and the flag belong to the test profile.
 * The BiDi connection and a frame's context id are puppeteer-core 24 internals
 * (`browser.connection`, `frame._id`), used for the few commands puppeteer does not wrap
 * (`wait: "none"`, shadow-tree serialization, element-origin pointer actions, chrome scope).
 */
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { FIREFOX_EXT, until } from './helpers.ts';

export const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/lib/firefox-esr/firefox-esr';
/** `browser_specific_settings.gecko.id` in wxt.config.ts. */
export const ADDON_ID = 'ringlet@ringlet.invalid';
/** The internal UUID pinned for the test profile (any v4 UUID will do). */
export const ADDON_UUID = '3b0f8e52-5c1a-4d8e-9a47-6f2d1c0b7e11';
export const ADDON_ORIGIN = `moz-extension://${ADDON_UUID}`;

export interface FirefoxProfile {
  browser: Browser;
  /** The add-on id `browser.installExtension` answered. */
  addonId: string;
  close(): Promise<void>;
}

/**
 * Headless firefox-esr with the built add-on installed (temporarily) and its UUID pinned,
 * fake media devices, and `prefs` on top (e.g. a lower `extensions.background.idle.timeout`).
 */
export async function launchFirefox(prefs: Record<string, unknown> = {}): Promise<FirefoxProfile> {
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    args: ['--remote-allow-system-access'],
    extraPrefsFirefox: {
      'extensions.webextensions.uuids': JSON.stringify({ [ADDON_ID]: ADDON_UUID }),
      // No desktop notification daemon in headless: the system backend fails and the
      // notification closes at once. Firefox's own alert window works headless.
      'alerts.useSystemBackend': false,
      // A camera and a microphone that need no device and no permission prompt.
      'media.navigator.streams.fake': true,
      'media.navigator.permission.disabled': true,
      // Calls between two browsers on this machine: 127.0.0.1 candidates, not mDNS names.
      'media.peerconnection.ice.loopback': true,
      'media.peerconnection.ice.obfuscate_host_addresses': false,
      ...prefs,
    },
  });
  try {
    const addonId = await browser.installExtension(FIREFOX_EXT);
    return { browser, addonId, close: () => browser.close() };
  } catch (e) {
    await browser.close();
    throw e;
  }
}

/** `p`, or a rejection after `ms` (one poll of a page that is still navigating may never answer). */
function within<T>(ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** The BiDi browsing context id of a page's top frame. */
function contextId(page: Page): string {
  return (page.mainFrame() as unknown as { _id: string })._id;
}

interface BidiConnection {
  send(method: string, params: object): Promise<{ result: unknown }>;
}

function bidi(page: Page): BidiConnection {
  return (page.browser() as unknown as { connection: BidiConnection }).connection;
}

/**
 * Opens one of the add-on's pages (`options.html`, `popup.html`) in a new tab and waits
 * until its document is complete. The extension API must be there: in a tab that is not
 * an extension page, `browser.runtime` would be missing.
 */
export async function openExtensionPage(browser: Browser, path: string): Promise<Page> {
  const page = await browser.newPage();
  const url = `${ADDON_ORIGIN}/${path}`;
  await bidi(page).send('browsingContext.navigate', { context: contextId(page), url, wait: 'none' });
  await until(
    () =>
      within(
        2_000,
        page.evaluate(() =>
          document.readyState === 'complete' && !!(globalThis as { browser?: { runtime?: { id?: string } } }).browser?.runtime?.id
            ? location.href
            : '',
        ),
      ).then((href) => href === url),
    `${url} loaded`,
  );
  return page;
}

/** What the page badge shows, read from the BiDi serialization of its closed shadow tree. */
export interface FirefoxBadge {
  present: boolean;
  mode?: string;
  texts: string[];
  /** The hint lines shown under the cards (why a click did not answer). */
  hints: string[];
  /** `sharedId` is the BiDi reference to the button, for a real click. */
  /** `armed`: shown long enough for a click to count (the clickjacking defence). */
  buttons: Array<{ label: string; action: string; sharedId: string; armed: boolean }>;
}

interface SerializedNode {
  type: string;
  sharedId?: string;
  value?: {
    nodeType: number;
    localName?: string;
    nodeValue?: string;
    attributes?: Record<string, string>;
    children?: SerializedNode[];
    shadowRoot?: SerializedNode | null;
    mode?: string;
  };
}

function textOf(n: SerializedNode): string {
  if (n.value?.nodeType === 3) return n.value.nodeValue ?? '';
  return (n.value?.children ?? []).map(textOf).join('');
}

function walk(n: SerializedNode, visit: (n: SerializedNode) => void): void {
  visit(n);
  for (const c of n.value?.children ?? []) walk(c, visit);
  if (n.value?.shadowRoot) walk(n.value.shadowRoot, visit);
}

export async function firefoxPageBadge(page: Page): Promise<FirefoxBadge> {
  const { result } = (await bidi(page).send('script.evaluate', {
    expression: `document.querySelector('ringlet-badge')`,
    target: { context: contextId(page) },
    awaitPromise: false,
    serializationOptions: { maxDomDepth: null, includeShadowTree: 'all' },
  })) as { result: { type: string; result: SerializedNode } };
  const host = result.result;
  if (!host || host.type !== 'node') return { present: false, texts: [], hints: [], buttons: [] };
  const texts: string[] = [];
  const hints: string[] = [];
  const buttons: FirefoxBadge['buttons'] = [];
  walk(host, (n) => {
    const v = n.value;
    if (v?.attributes?.class === 'text') texts.push(textOf(n));
    if (v?.attributes?.class === 'hint' && v.attributes.hidden === undefined) hints.push(textOf(n));
    if (v?.localName === 'button') {
      buttons.push({ label: textOf(n), action: v.attributes?.['data-action'] ?? '', sharedId: n.sharedId ?? '', armed: v.attributes?.['data-armed'] === 'true' });
    }
  });
  return { present: true, mode: host.value?.shadowRoot?.value?.mode, texts, hints, buttons };
}

/**
 * A real click (BiDi `input.performActions`, so `event.isTrusted`) in the middle of one of
 * the page badge's buttons.
 */
export async function clickFirefoxPageBadge(page: Page, action: string): Promise<void> {
  const badge = await firefoxPageBadge(page);
  const button = badge.buttons.find((b) => b.action === action);
  if (!button) throw new Error(`no "${action}" button in the page badge: ${JSON.stringify(badge)}`);
  await bidi(page).send('input.performActions', {
    context: contextId(page),
    actions: [
      {
        type: 'pointer',
        id: 'mouse',
        parameters: { pointerType: 'mouse' },
        actions: [
          { type: 'pointerMove', x: 0, y: 0, origin: { type: 'element', element: { sharedId: button.sharedId } } },
          { type: 'pointerDown', button: 0 },
          { type: 'pointerUp', button: 0 },
        ],
      },
    ],
  });
}

/**
 * Evaluates `expression` in the browser window's chrome (parent-process) context, which
 * `--remote-allow-system-access` opens to BiDi (`browsingContext.getTree` with
 * `"moz:scope": "chrome"`). The answer must be JSON.
 */
export async function chromeEvaluate<T>(browser: Browser, expression: string): Promise<T> {
  const conn = (browser as unknown as { connection: BidiConnection }).connection;
  const { result: tree } = (await conn.send('browsingContext.getTree', { 'moz:scope': 'chrome', maxDepth: 0 })) as {
    result: { contexts: Array<{ context: string; url: string }> };
  };
  const main = tree.contexts.find((c) => c.url === 'chrome://browser/content/browser.xhtml');
  if (!main) throw new Error(`no browser window among ${JSON.stringify(tree.contexts)}`);
  const { result } = (await conn.send('script.evaluate', {
    expression: `(async () => JSON.stringify(await (${expression})))()`,
    target: { context: main.context },
    awaitPromise: true,
  })) as { result: { type: string; result?: { value: string }; exceptionDetails?: { text: string } } };
  if (result.type !== 'success') throw new Error(`chrome evaluate failed: ${result.exceptionDetails?.text}`);
  return JSON.parse(result.result!.value) as T;
}

export interface FirefoxAlert {
  title: string;
  text: string;
}

/**
 * The notifications Firefox has on screen. With `alerts.useSystemBackend` off (see
 * `launchFirefox`), `browser.notifications.create` ends in Firefox's own alert window
 * (chrome://global/content/alerts/alert.xhtml, window type `alert:alert`), which exists
 * in headless Firefox too and closes itself after 20 s unless the add-on clears it first.
 * Windows still loading are left out (their labels are not filled in yet).
 */
export function firefoxAlerts(browser: Browser): Promise<FirefoxAlert[]> {
  return chromeEvaluate<FirefoxAlert[]>(
    browser,
    `[...Services.wm.getEnumerator('alert:alert')].filter((w) => !w.closed && w.document.readyState === 'complete').map((w) => ({
      title: w.document.getElementById('alertTitleLabel')?.getAttribute('value') ?? '',
      text: w.document.getElementById('alertTextLabel')?.textContent ?? '',
    }))`,
  );
}

/**
 * Closes every tab showing one of the add-on's pages (the onboarding options tab, a popup
 * opened as a tab), from the browser's chrome: puppeteer does not learn the URL of a tab
 * the add-on opened itself (no navigation events for the extension process, see above).
 */
export async function closeExtensionTabs(browser: Browser): Promise<number> {
  return chromeEvaluate<number>(
    browser,
    `(() => {
      const tabs = [...gBrowser.tabs].filter((t) => t.linkedBrowser.currentURI.spec.startsWith('moz-extension://'));
      for (const t of tabs) gBrowser.removeTab(t);
      return tabs.length;
    })()`,
  );
}

/** The add-on's background state as Firefox keeps it ('running', 'suspending', 'stopped', …). */
export function backgroundState(browser: Browser): Promise<string> {
  return chromeEvaluate<string>(browser, `String(WebExtensionPolicy.getByID(${JSON.stringify(ADDON_ID)})?.extension?.backgroundState)`);
}
