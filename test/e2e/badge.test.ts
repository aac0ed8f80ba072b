/**
 * The page badge in real Chromium (issue 9 item 6): it names the app, the caller and the
 * call type; "Silence" stops the ringtone (the offscreen document playing it closes) while
 * the call still rings visually; it keeps its own surface, border and AA contrast on light
 * and dark pages; the toolbar tooltip says who is calling; the built content script stays
 * at most 4 KB gzipped.
 *
 * The badge lives in a closed shadow root, which axe-core (running in the page) cannot
 * enter: axe runs on the page and must report nothing on the badge's host, and the badge's
 * own contrast and text sizes are measured from computed styles read over the DevTools
 * protocol (which does reach into closed roots), with the WCAG contrast formula.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { encodeInvite } from '../../src/protocol/call-data.ts';
import { contentScriptSizes } from '../../src/extension/tools/content-size.ts';
import {
  axeViolations,
  CHROME_EXT,
  clickPageBadge,
  FIREFOX_EXT,
  launchProfile,
  nodeClient,
  pageBadge,
  screenshotPath,
  signInThroughOptions,
  startTestPage,
  startTestServer,
  toolbarBadge,
  until,
  type Profile,
  type TestServer,
} from './helpers.ts';

let srv: TestServer;
let site: Awaited<ReturnType<typeof startTestPage>>;
let bob: Profile;
let bobPage: Page;
let carol: Awaited<ReturnType<typeof nodeClient>>;

beforeAll(async () => {
  [srv, site] = await Promise.all([startTestServer(), startTestPage()]);
  bob = await launchProfile('bob');
  carol = await nodeClient(srv.server, 'carol');
  await (await signInThroughOptions(bob, srv.server.url, 'bob', true)).close();
  bobPage = await bob.context.newPage();
  await bobPage.setViewportSize({ width: 900, height: 320 });
  await bobPage.goto(site.url);
});

afterAll(async () => {
  await carol?.destroy().catch(() => undefined);
  await bob?.close();
  await Promise.all([srv?.close(), site?.close()]);
});

/** Offscreen documents of bob's extension: Chrome's ringtone plays in one, and it closes when the ring stops. */
async function offscreenDocuments(): Promise<number> {
  const w = await bob.worker();
  return w.evaluate(async () => (await chrome.runtime.getContexts({ contextTypes: ['OFFSCREEN_DOCUMENT' as chrome.runtime.ContextType] })).length);
}

async function toolbarTitle(): Promise<string> {
  const w = await bob.worker();
  return w.evaluate(() => chrome.action.getTitle({}));
}

interface Painted {
  cls: string;
  color: string;
  background: string;
  fontSize: number;
  border: string;
}

/**
 * Computed styles of the badge's text-bearing elements and of its card, read over CDP
 * (the root is closed to the page). Each element's background is the nearest opaque one
 * up its tree (inside the badge: the card's own surface).
 */
async function badgeStyles(page: Page): Promise<{ card: Painted; texts: Painted[] }> {
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('DOM.enable');
    const { root } = (await cdp.send('DOM.getDocument', { depth: -1, pierce: true })) as { root: { nodeId: number } };
    const { nodeIds } = (await cdp.send('DOM.querySelectorAll', { nodeId: root.nodeId, selector: 'ringlet-badge' })) as { nodeIds: number[] };
    const { node } = (await cdp.send('DOM.describeNode', { nodeId: nodeIds[0]!, depth: 1, pierce: true })) as { node: { shadowRoots?: Array<{ backendNodeId: number }> } };
    const shadow = node.shadowRoots![0]!;
    const { object } = (await cdp.send('DOM.resolveNode', { backendNodeId: shadow.backendNodeId })) as { object: { objectId: string } };
    const { result } = (await cdp.send('Runtime.callFunctionOn', {
      objectId: object.objectId,
      returnByValue: true,
      functionDeclaration: `function () {
        const opaque = (el) => {
          for (let e = el; e; e = e.parentElement) {
            const bg = getComputedStyle(e).backgroundColor;
            if (bg && !bg.endsWith(', 0)') && bg !== 'transparent') return bg;
          }
          return 'none';
        };
        const paint = (el) => {
          const s = getComputedStyle(el);
          return { cls: typeof el.className === 'string' && el.className ? el.className : el.tagName, color: s.color, background: opaque(el), fontSize: parseFloat(s.fontSize), border: s.borderTopWidth + ' ' + s.borderTopStyle + ' ' + s.borderTopColor };
        };
        const texts = [...this.querySelectorAll('.app, .text, button')].map(paint);
        return { card: paint(this.querySelector('.card')), texts };
      }`,
    })) as { result: { value: { card: Painted; texts: Painted[] } } };
    return result.value;
  } finally {
    await cdp.detach();
  }
}

/** WCAG 2.x contrast ratio of two `rgb(...)` colours. */
function contrast(a: string, b: string): number {
  const lum = (c: string) => {
    const [r, g, bl] = (c.match(/[\d.]+/g) ?? []).slice(0, 3).map((v) => {
      const s = Number(v) / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    }) as [number, number, number];
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** The badge's region of the page, for a screenshot. */
async function badgeShot(page: Page, name: string): Promise<void> {
  const width = page.viewportSize()!.width;
  await page.screenshot({ path: screenshotPath(name), clip: { x: width - 500, y: 0, width: 500, height: 120 } });
}

describe('the built content script', () => {
  it('is at most 4 KB gzipped in both builds (npm run build:ext fails above that too)', () => {
    const sizes = contentScriptSizes([CHROME_EXT, FIREFOX_EXT]);
    expect(sizes.map((s) => s.file.replace(/.*\.output[\\/]/, ''))).toEqual(['chrome-mv3/content-scripts/badge.js', 'firefox-mv3/content-scripts/badge.js']);
    for (const s of sizes) expect(s.gzip, s.file).toBeLessThanOrEqual(4096);
  });
});

describe('the page badge', () => {
  it('names the app, the caller and the call type; the toolbar tooltip says who is calling', async () => {
    expect(await toolbarTitle()).toBe('Ringlet');
    const inv = await carol.invite({ userID: 'bob', data: encodeInvite('room-badge', 'video'), timeout: 60 });
    const badge = await until(async () => ((await pageBadge(bobPage)).present ? pageBadge(bobPage) : null), 'the page badge');
    expect(badge.texts).toEqual(['carol is calling']);
    expect(badge.meta).toEqual(['Ringlet · Video call']);
    expect(badge.icons).toEqual(['video']);
    // What the page's own scripts learn (SECURITY.md "What the page badge tells the page"):
    // that a Ringlet element is shown now, and nothing of the call: no caller, type or text.
    const seen = await bobPage.evaluate(() => {
      const h = document.querySelector('ringlet-badge')!;
      const text = document.documentElement.innerText;
      return { closed: h.shadowRoot === null, attributes: h.getAttributeNames(), html: h.innerHTML, children: h.children.length, caller: text.includes('carol'), calling: /calling|Video/.test(text) };
    });
    expect(seen).toEqual({ closed: true, attributes: [], html: '', children: 0, caller: false, calling: false });
    expect(badge.buttons.map((b) => [b.action, b.label])).toEqual([
      ['accept', 'Accept'],
      ['reject', 'Reject'],
      ['silence', 'Silence'],
    ]);
    await until(async () => (await toolbarTitle()) === 'carol is calling', 'the toolbar tooltip');

    // Its own opaque surface and border, text >= 13 px at AA contrast: on a light page...
    const light = await badgeStyles(bobPage);
    await badgeShot(bobPage, 'badge-light.png');
    // ...and on a dark one (the page's colours cannot reach into the badge).
    await bobPage.evaluate(() => document.documentElement.setAttribute('style', 'background: #111 !important; color-scheme: dark'));
    const dark = await badgeStyles(bobPage);
    await badgeShot(bobPage, 'badge-dark.png');
    expect(dark).toEqual(light);
    expect(light.card.background).toBe('rgb(31, 41, 51)');
    expect(light.card.border).toBe('2px solid rgb(203, 210, 217)');
    expect(contrast(light.card.border.replace(/^.*?rgb/, 'rgb'), 'rgb(17, 17, 17)')).toBeGreaterThanOrEqual(3); // the edge on a dark page
    expect(light.texts).toHaveLength(5);
    for (const t of light.texts) {
      expect(t.fontSize, t.cls).toBeGreaterThanOrEqual(13);
      expect(contrast(t.color, t.background), `${t.cls}: ${t.color} on ${t.background}`).toBeGreaterThanOrEqual(4.5);
    }
    // axe on the page with the badge shown: nothing on the badge's host (it cannot enter the closed root).
    const violations = await axeViolations(bobPage);
    expect(violations.filter((v) => v.targets.some((t) => t.includes('ringlet-badge')))).toEqual([]);

    await carol.cancel({ inviteID: inv.inviteID }).catch(() => undefined);
    await until(async () => !(await pageBadge(bobPage)).present && (await toolbarTitle()) === 'Ringlet', 'bob idle');
  });

  it('Silence stops the ringtone at once (no arming needed) and the call still rings visually, with Accept', async () => {
    await carol.invite({ userID: 'bob', data: encodeInvite('room-silence', 'audio'), timeout: 60 });
    await until(async () => (await pageBadge(bobPage)).buttons.some((b) => b.action === 'silence'), 'the Silence button');
    await until(async () => (await offscreenDocuments()) === 1, 'the ringtone playing');
    await clickPageBadge(bobPage, 'silence', { waitArmed: false });
    await until(async () => (await offscreenDocuments()) === 0, 'the ringtone stopped');
    const badge = await until(async () => {
      const b = await pageBadge(bobPage);
      return b.buttons.some((x) => x.action === 'silence') ? null : b;
    }, 'the badge without Silence');
    expect(badge.texts).toEqual(['carol is calling']);
    expect(badge.meta).toEqual(['Ringlet · Audio call']);
    expect(badge.icons).toEqual(['audio']);
    expect(badge.buttons.map((b) => b.action)).toEqual(['accept', 'reject']);
    expect(await toolbarBadge(bob)).toBe('1');
    expect(await toolbarTitle()).toBe('carol is calling');
    // Still answerable from the badge.
    await clickPageBadge(bobPage, 'accept');
    await until(async () => !(await pageBadge(bobPage)).present, 'the badge gone after accepting');
  });
});
