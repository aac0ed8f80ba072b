import { defineConfig } from 'wxt';
import preact from '@preact/preset-vite';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';
import { manifestCommands } from './src/extension/shared/commands.ts';

/**
 * Public half of a throwaway development key. It pins the Chrome extension id to
 * `ehaljjnfgljbbnnkhenhbhfpbgkddjlf` wherever the unpacked folder lives, so the
 * end-to-end tests (and a developer's bookmarks) can open `chrome-extension://ID/popup.html`.
 * The private half was never kept; a store release would drop this key.
 */
const CHROME_DEV_KEY =
  'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA0G4ccppByAv+KKj0IrfnNBUG9xvFSSR28b7Nj4KFdBOAMDNEagczubhGZ5c+eK3gEzaX0l3WzIjdDZF37bY22GUaMMlKeFq73IXeP+pfwdxsEaQiy9wRlHOPHqYeXpom3WUb2AuqvUD+AVYUFoSK+xideHmZIll79CiosrKCpXHDrpaOwxGXC3X63lhMUoyotWszXxm1lRvH5WkcYRjOqckOsqjSUGdFb5bHE7SQtSgRjtjCNYmyjxFV9dYVYSidSUMWymX2QtjSoozu+50PFUFAUj59xGO32mP7RBiBC7hhxB4sO9P5jRBahwP+99E9sWk+nMsu3KovwZBsX8Q15QIDAQAB';

/**
 * `npm run release` (src/extension/tools/release.ts) sets RINGLET_RELEASE=1: no development
 * key (the stores assign the id) and its own output folder. A test that needs the
 * extension under a second id (the managed-policy test) gives another public key in
 * RINGLET_CHROME_KEY and another folder in RINGLET_OUT_DIR.
 */
const RELEASE = process.env.RINGLET_RELEASE === '1';
const CHROME_KEY = process.env.RINGLET_CHROME_KEY ?? CHROME_DEV_KEY;

/**
 * Extension pages may talk to any Ringlet server the user types in, including a local
 * `ws://` one. Firefox's default MV3 policy adds `upgrade-insecure-requests`, which
 * would silently turn `ws://127.0.0.1` into `wss://`, so the policy is spelled out.
 */
const EXTENSION_PAGES_CSP =
  "script-src 'self'; object-src 'self'; connect-src 'self' ws: wss: http: https:; media-src 'self' blob:";

/**
 * Preact's `dangerouslySetInnerHTML` branch is the one `innerHTML` assignment in the
 * bundle and the reason `web-ext lint` warns (UNSAFE_VAR_ASSIGNMENT). Ringlet never uses
 * it, so the branch sets `textContent` instead: raw HTML can never be injected.
 */
function preactWithoutInnerHTML(): Plugin {
  return {
    name: 'ringlet:preact-without-innerhtml',
    enforce: 'pre',
    transform(code, id) {
      if (!/[\\/]preact[\\/]dist[\\/]preact\.(module\.js|mjs)$/.test(id)) return null;
      return { code: code.replace(/(\w+)\.innerHTML=(\w+\.__html|"")/g, '$1.textContent=$2'), map: null };
    },
  };
}

/**
 * zod probes whether `new Function` works (to JIT its parsers). Extension pages forbid
 * eval by CSP, so the probe can only fail, report a CSP violation and make `web-ext lint`
 * warn (DANGEROUS_EVAL); it is replaced by its answer here.
 */
function zodWithoutEvalProbe(): Plugin {
  return {
    name: 'ringlet:zod-without-eval-probe',
    enforce: 'pre',
    transform(code, id) {
      if (!/[\\/]zod[\\/]v4[\\/]core[\\/]util\.js$/.test(id)) return null;
      const out = code.replace(/const F = Function;\s*new F\(""\);\s*return true;/, 'return false;');
      if (out === code) this.warn('zod eval probe not found: web-ext lint may warn');
      return { code: out, map: null };
    },
  };
}

/**
 * Every web page loads the content script, so it must stay small (at most 4 KB gzipped,
 * checked by `npm run build:ext`). WXT's own content-script runtime imports `wxt/browser`,
 * which the polyfill module points at webextension-polyfill (about 3 KB gzipped). In the
 * content-script builds only, that import gets the browser's native API instead: the few
 * calls made there return promises natively in Chrome MV3 and Firefox.
 */
function contentScriptWithoutPolyfill(): Plugin {
  let contentScript = false;
  const native = fileURLToPath(new URL('./src/extension/content/ext.ts', import.meta.url));
  return {
    name: 'ringlet:content-script-without-polyfill',
    enforce: 'pre',
    configResolved(config) {
      const { lib, rollupOptions } = config.build;
      contentScript = /\.content\.[jt]s/.test(JSON.stringify([lib ? lib.entry : null, rollupOptions.input ?? null]));
    },
    resolveId(id) {
      return contentScript && id === '@wxt-dev/webextension-polyfill/browser' ? native : null;
    },
  };
}

export default defineConfig({
  outDir: process.env.RINGLET_OUT_DIR ?? '.output',
  // The sources archive Mozilla asks for: what builds the extension, without the server,
  // tests, benches, docs or deployment files (tools/release.ts, docs/DEPLOY.md "Releases").
  zip: {
    includeSources: ['docs/DEPLOY.md'],
    excludeSources: ['src/server/**', 'bench/**', 'docs/**', 'deploy/**', 'data/**', 'release/**', 'test/**', 'coverage/**', '*.log'],
  },
  // One promise-based `browser` (webextension-polyfill) for Chrome and Firefox.
  modules: ['@wxt-dev/webextension-polyfill'],
  vite: () => ({ plugins: [contentScriptWithoutPolyfill(), preactWithoutInnerHTML(), zodWithoutEvalProbe(), preact()] }),
  manifest: ({ browser }) => {
    const firefox = browser === 'firefox';
    return {
      name: '__MSG_extName__',
      description: '__MSG_extDescription__',
      default_locale: 'en',
      ...(firefox || RELEASE ? {} : { key: CHROME_KEY }),
      permissions: [
        'storage',
        'notifications',
        'contextMenus',
        'alarms',
        ...(firefox ? [] : ['offscreen']),
      ],
      action: { default_title: '__MSG_extName__' },
      content_security_policy: { extension_pages: EXTENSION_PAGES_CSP },
      commands: manifestCommands(firefox ? 'firefox' : 'chrome'),
      ...(firefox
        ? {
            browser_specific_settings: {
              gecko: {
                id: 'ringlet@ringlet.invalid',
                strict_min_version: '142.0',
                data_collection_permissions: { required: ['none'] },
              },
            },
          }
        : {
            minimum_chrome_version: '116',
            // An organisation's policy may set (and lock) the server URL: shared/managed.ts.
            storage: { managed_schema: 'managed_schema.json' },
          }),
    };
  },
});
