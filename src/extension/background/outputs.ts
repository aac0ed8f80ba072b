/**
 * The derived outputs, brought in line with the call state after every change: toolbar
 * badge and tooltip, ringing notifications, the ringtone, the page badges' view. Each
 * output fails alone.
 */
import type { Settings } from '../shared/schema.ts';
import { audibleCalls, incomingCalls, type CallState } from './calls.ts';
import { syncRingNotifications, wantsNotification } from './features/ring-notifications.ts';
import { syncToolbar } from './toolbar.ts';
import { syncBadgeView } from './badge-view.ts';
import type { Ringtone } from './ringtone.ts';
import { logError } from './log.ts';

export async function syncOutputs(state: CallState, settings: Settings, ringtone: Ringtone): Promise<void> {
  const incoming = incomingCalls(state);
  // In a call only "Let it ring" rings aloud (call waiting is quiet; busy never gets here).
  const shouldRing = settings.ringtone && !settings.doNotDisturb && audibleCalls(state).length > 0 && (!state.active || settings.whileInCall === 'ring');
  await Promise.all([
    syncToolbar(incoming.length, state.missed, incoming.find((c) => !c.kind)?.inviter).catch((e) => logError('toolbar', e)),
    syncRingNotifications(incoming.filter((e) => wantsNotification(e, settings))).catch((e) => logError('notifications', e)),
    (shouldRing ? ringtone.start(settings.volume) : ringtone.stop()).catch((e) => logError('ringtone', e)),
    syncBadgeView(state).catch((e) => logError('badge view', e)),
  ]);
}
