/**
 * The extension's own windows: the popup page in a small window (where Firefox answers a
 * notification click or a page badge's accept), and the call window, of which there is
 * at most one. The call-window feature tells `CallWindows` which views are call windows.
 */
import { browser, type Browser } from 'wxt/browser';
import { extensionURL } from '../shared/url.ts';

type Port = Browser.runtime.Port;

/** Opens the popup page in a small window (Firefox notification clicks, missed calls). */
export async function openPopupWindow(): Promise<void> {
  await browser.windows.create({ url: extensionURL('/popup.html'), type: 'popup', width: 380, height: 600 });
}

/** The call windows open now, by the port each keeps to the worker. */
export class CallWindows {
  readonly #open = new Map<Port, number | undefined>();

  /** Opens the call window, or brings an open one to the front (it follows the state itself). */
  async open(): Promise<void> {
    for (const windowId of this.#open.values()) {
      if (windowId !== undefined) await browser.windows.update(windowId, { focused: true }).catch(() => undefined);
      return;
    }
    await browser.windows.create({ url: extensionURL('/call.html'), type: 'popup', width: 720, height: 600 });
  }

  add(port: Port, windowId: number | undefined): void {
    this.#open.set(port, windowId);
  }

  /** False when the port was no call window's. */
  delete(port: Port): boolean {
    return this.#open.delete(port);
  }

  get size(): number {
    return this.#open.size;
  }
}
