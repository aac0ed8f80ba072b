import { browser } from 'wxt/browser';

/**
 * `runtime.getURL` for a path inside the extension. (WXT narrows `getURL` to its
 * generated list of public paths, which needs `wxt prepare`; this keeps `tsc` standalone.)
 */
export function extensionURL(path: string): string {
  return (browser.runtime as unknown as { getURL(p: string): string }).getURL(path);
}
