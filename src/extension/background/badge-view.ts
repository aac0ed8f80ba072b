/**
 * Renders the content-script badge's view (translated labels included) into storage.
 * Tabs learn of it through `storage.onChanged`: no tab list, no `tabs` permission, no
 * message per tab, and it survives the worker being stopped.
 */
import { browser } from 'wxt/browser';
import { BADGE_VIEW_KEY, type BadgeView } from '../shared/schema.ts';
import { t } from '../shared/i18n.ts';
import type { CallState } from './calls.ts';
import { peerOf } from './calls.ts';

export function renderBadgeView(state: CallState): BadgeView {
  return {
    hints: { covered: t('badgeCovered'), confirming: t('badgeConfirming') },
    items: state.calls.map((c) => {
      const group = c.groupName ?? c.groupID;
      if (c.kind) {
        // A classroom prompt: accepting raises the hand (or takes the floor).
        return {
          inviteID: c.inviteID,
          text: c.kind === 'speak' ? t('badgeSpeak', c.inviter) : t('badgeRaiseHand', c.inviter),
          buttons: [
            { action: 'accept', label: c.kind === 'speak' ? t('takeTheFloor') : t('raiseHand') },
            { action: 'reject', label: t('dismiss') },
          ],
        };
      }
      if (c.direction === 'incoming') {
        return {
          inviteID: c.inviteID,
          text: c.groupID ? t('badgeGroupCalling', c.inviter, group) : t('badgeCalling', c.inviter),
          buttons: [
            { action: 'accept', label: t('accept') },
            { action: 'reject', label: t('reject') },
          ],
        };
      }
      return {
        inviteID: c.inviteID,
        text: c.groupID ? t('badgeDiallingGroup', group) : t('badgeDialling', peerOf(c)),
        buttons: [{ action: 'cancel', label: t('cancel') }],
      };
    }),
  };
}

let last = '';
export async function syncBadgeView(state: CallState): Promise<void> {
  const view = renderBadgeView(state);
  const json = JSON.stringify(view);
  if (json === last) return;
  await browser.storage.local.set({ [BADGE_VIEW_KEY]: view });
  last = json;
}
export function resetBadgeViewCache(): void {
  last = '';
}
