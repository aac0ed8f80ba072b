/**
 * Chromium (fake devices, loopback ICE) and a local page that loads the call window's SFU
 * modules (sfu-page.ts, bundled): what the SFU browser tests open their windows on.
 */
import { build } from 'esbuild';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM, ROOT } from './helpers.ts';

export interface SfuPageHost {
  browser: Browser;
  /** A new page with `SfuRoom` and `SfuCall` on its global object. */
  open(): Promise<Page>;
  close(): Promise<void>;
}

export async function startSfuPageHost(): Promise<SfuPageHost> {
  const bundle = await build({ entryPoints: [join(ROOT, 'test/e2e/sfu-page.ts')], bundle: true, write: false, format: 'esm', target: 'es2022' });
  const js = bundle.outputFiles[0]!.text;
  const http = createServer((req, res) => {
    if (req.url === '/sfu.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>call</title><script type="module" src="/sfu.js"></script>');
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--allow-loopback-in-peer-connection', '--disable-background-networking'],
  });
  return {
    browser,
    async open() {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${(http.address() as AddressInfo).port}/`);
      await page.waitForFunction(() => 'SfuCall' in globalThis && 'SfuRoom' in globalThis);
      return page;
    },
    async close() {
      await browser.close();
      await new Promise((r) => http.close(r));
    },
  };
}
