/**
 * Renders the content-script badge's view (translated labels included) into storage.
 * Tabs learn of it through `storage.onChanged`: no tab list, no `tabs` permission, no
 * message per tab, and it survives the worker being stopped.
 */
import { callerLine } from '../shared/caller.ts';
import { browser } from 'wxt/browser';
import { BADGE_VIEW_KEY } from '../shared/keys.ts';
import type { BadgeItem, BadgeView } from '../shared/schema.ts';
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
          app: t('extName'),
          text: c.kind === 'speak' ? t('badgeSpeak', c.inviter) : t('badgeRaiseHand', c.inviter),
          buttons: [
            { action: 'accept', label: c.kind === 'speak' ? t('takeTheFloor') : t('raiseHand') },
            { action: 'reject', label: t('dismiss') },
          ],
        };
      }
      const call = {
        inviteID: c.inviteID,
        app: t('extName'),
        callType: c.callType,
        callTypeLabel: c.callType === 'video' ? t('videoCall') : t('audioCall'),
      };
      if (c.direction === 'incoming') {
        const buttons: BadgeItem['buttons'] = [
          { action: 'accept', label: t('accept') },
          { action: 'reject', label: t('reject') },
        ];
        // Silence while it can still ring audibly (not once silenced, nor a call waiting, which never rings).
        if (!c.silenced && !c.waiting) buttons.push({ action: 'silence', label: t('silence') });
        return { ...call, text: c.groupID ? t('badgeGroupCalling', c.inviter, group) : t('badgeCalling', callerLine(c)), buttons };
      }
      return {
        ...call,
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
