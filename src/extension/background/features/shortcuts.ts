/** Keyboard shortcuts (the manifest's `commands`): accept or reject the newest ringing invitation. */
import { browser } from 'wxt/browser';
import { defineFeature } from '../feature.ts';
import { logError } from '../log.ts';

export const shortcuts = defineFeature({
  name: 'shortcuts',
  init(ctx) {
    if (!browser.commands) return;
    ctx.listen(browser.commands.onCommand, (command: string) => {
      void ctx.phone.ready
        .then(async () => {
          const inviteID = ctx.phone.newestIncoming();
          if (!inviteID) return;
          if (command === 'accept-newest') await ctx.phone.handle({ type: 'call/accept', inviteID });
          if (command === 'reject-newest') await ctx.phone.handle({ type: 'call/reject', inviteID });
        })
        .catch((e) => logError(`command ${command}`, e));
    });
  },
});
