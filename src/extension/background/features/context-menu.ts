/**
 * "Call <selection>" in the context menu of selected text: dials the selected user ID.
 * The menu is created on install and re-created, worded anew, when the language changes.
 */
import { browser } from 'wxt/browser';
import { idSchema } from '../../../protocol/fields.ts';
import { t } from '../../shared/i18n.ts';
import type { Settings } from '../../shared/schema.ts';
import { defineFeature, type PhoneApi } from '../feature.ts';
import { logError } from '../log.ts';

const MENU_ID = 'ringlet-call-selection';

async function createMenu(phone: PhoneApi): Promise<void> {
  if (!browser.contextMenus) return;
  await phone.ready; // the language comes with the settings
  await browser.contextMenus.removeAll();
  browser.contextMenus.create({ id: MENU_ID, title: t('contextMenuCall', '%s'), contexts: ['selection'] });
}

export const contextMenu = defineFeature({
  name: 'context-menu',
  init(ctx) {
    if (!browser.contextMenus) return;
    const create = () => void createMenu(ctx.phone).catch((e) => logError('context menu', e));
    ctx.listen(browser.runtime.onInstalled, create);
    let language: Settings['language'] | null = null;
    const unsubscribe = ctx.phone.subscribe((state) => {
      if (language !== null && state.settings.language !== language) create();
      language = state.settings.language;
    });
    ctx.signal.addEventListener('abort', unsubscribe, { once: true });
    void ctx.phone.ready.then(() => (language ??= ctx.phone.viewState().settings.language));
    ctx.listen(browser.contextMenus.onClicked, (info) => {
      if (info.menuItemId !== MENU_ID) return;
      const userID = (info.selectionText ?? '').trim();
      if (!idSchema.safeParse(userID).success) {
        logError('context menu', `"${userID.slice(0, 64)}" is not a user ID`);
        return;
      }
      void ctx.phone.handle({ type: 'call/dial', userID, callType: 'audio' }).catch((e) => logError('context menu', e));
    });
  },
});
