/**
 * Live views (popup, options, call window): `state/get`, and the port each view keeps
 * open to hear every new state. A port that is no view of this extension is closed (the
 * page badge's wake port, once it has woken the worker, is one: features/wake.ts).
 */
import { browser, type Browser } from 'wxt/browser';
import { VIEW_PORT, type PortMessage, type ViewState } from '../../shared/schema.ts';
import { defineFeature } from '../feature.ts';
import { logError } from '../log.ts';

/** A view port opened by one of this extension's own pages. */
export function isOwnView(port: Browser.runtime.Port): boolean {
  return port.name === VIEW_PORT && port.sender?.id === browser.runtime.id;
}

export const views = defineFeature({
  name: 'views',
  handles: { 'state/get': async (ctx) => ctx.view() },
  init(ctx) {
    ctx.listen(browser.runtime.onConnect, (port: Browser.runtime.Port) => {
      if (!isOwnView(port)) {
        port.disconnect();
        return;
      }
      const post = (state: ViewState) => port.postMessage({ type: 'state', state } satisfies PortMessage);
      const unsubscribe = ctx.phone.subscribe(post);
      ctx.signal.addEventListener('abort', unsubscribe, { once: true });
      port.onMessage.addListener(() => logError('view port', 'views send requests with runtime.sendMessage; port message ignored'));
      port.onDisconnect.addListener(() => {
        unsubscribe();
        ctx.signal.removeEventListener('abort', unsubscribe);
      });
      void ctx.phone.ready.then(() => post(ctx.phone.viewState()));
    });
  },
});
