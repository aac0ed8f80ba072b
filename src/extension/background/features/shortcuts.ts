/**
 * Keyboard shortcuts (the manifest's `commands`, shared/commands.ts): accept or reject the
 * newest ringing invitation, hang up the call in progress (or stop dialling). Mute belongs to
 * the call window, which holds the microphone: it listens for `toggle-mute` itself.
 */
import { browser } from 'wxt/browser';
import type { CommandName } from '../../shared/commands.ts';
import { defineFeature, type PhoneApi } from '../feature.ts';
import { logError } from '../log.ts';

async function run(phone: PhoneApi, command: CommandName): Promise<void> {
  const view = phone.viewState();
  if (command === 'hang-up') {
    if (view.active) await phone.handle({ type: 'call/hangup', inviteID: view.active.inviteID });
    else if (view.outgoing[0]) await phone.handle({ type: 'call/cancel', inviteID: view.outgoing[0].inviteID });
    return;
  }
  const inviteID = phone.newestIncoming();
  if (!inviteID) return;
  if (command === 'accept-newest') await phone.handle({ type: 'call/accept', inviteID });
  if (command === 'reject-newest') await phone.handle({ type: 'call/reject', inviteID });
}

export const shortcuts = defineFeature({
  name: 'shortcuts',
  init(ctx) {
    if (!browser.commands) return;
    ctx.listen(browser.commands.onCommand, (command: string) => {
      void ctx.phone.ready.then(() => run(ctx.phone, command as CommandName)).catch((e) => logError(`command ${command}`, e));
    });
  },
});
