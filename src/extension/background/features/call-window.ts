/**
 * The call window: the phone opens it when a call starts (windows.ts `CallWindows`), and
 * closing it is my hang-up. A window that reloads reconnects its port within
 * `CALL_WINDOW_GRACE_MS`; one that stays away was closed.
 */
import { browser, type Browser } from 'wxt/browser';
import { defineFeature } from '../feature.ts';
import { logError } from '../log.ts';
import { isOwnView } from './views.ts';
import { callsInProgress } from '../calls.ts';

const CALL_WINDOW_GRACE_MS = 1500;

export const callWindow = defineFeature({
  name: 'call-window',
  init(ctx) {
    ctx.listen(browser.runtime.onConnect, (port: Browser.runtime.Port) => {
      if (!isOwnView(port) || !(port.sender?.url ?? '').includes('/call.html')) return;
      ctx.callWindows.add(port, port.sender?.tab?.windowId);
      port.onDisconnect.addListener(() => {
        if (!ctx.callWindows.delete(port)) return;
        // Every call in progress lives in the window (those on hold too): closing it ends them all.
        const inviteIDs = callsInProgress(ctx.phone.viewState()).map((c) => c.inviteID);
        if (inviteIDs.length === 0) return;
        ctx.setTimeout(() => {
          if (ctx.callWindows.size > 0) return;
          const still = new Set(callsInProgress(ctx.phone.viewState()).map((c) => c.inviteID));
          for (const inviteID of inviteIDs.filter((id) => still.has(id))) {
            void ctx.phone.handle({ type: 'call/hangup', inviteID, reason: 'window_closed' }).catch((e) => logError('call window closed', e));
          }
        }, CALL_WINDOW_GRACE_MS);
      });
    });
  },
});
