/** The effects a call transition asks for (calls.ts `CallEffect`), performed. */
import type { Settings } from '../shared/schema.ts';
import type { CallEffect } from './calls.ts';
import { showMissed } from './features/call-log.ts';
import type { SessionChat } from './session.ts';

export interface EffectDeps {
  chat: SessionChat | null;
  settings: Settings;
  openCallPage: () => Promise<void>;
  /** Starts a reconcile with the server's pending list (not awaited: it dispatches after this event). */
  refreshPending: () => void;
}

export async function perform(effect: CallEffect, deps: EffectDeps): Promise<void> {
  switch (effect.type) {
    case 'autoReject':
      await deps.chat?.reject({ inviteID: effect.inviteID, data: effect.data });
      return;
    case 'ack':
      await deps.chat?.accept({ inviteID: effect.inviteID }).catch(() => undefined);
      return;
    case 'missedNotification':
      if (deps.settings.notifications && deps.settings.missedCallNotifications) await showMissed(effect.entry);
      return;
    case 'openCallPage':
      await deps.openCallPage();
      return;
    case 'refreshPending':
      deps.refreshPending();
      return;
  }
}
