import { defineContentScript } from 'wxt/utils/define-content-script';
import { startBadge } from '../src/extension/content/badge.ts';

export default defineContentScript({
  matches: ['http://*/*', 'https://*/*'],
  allFrames: false, // top frame only
  runAt: 'document_idle',
  main(ctx) {
    const badge = startBadge();
    ctx.onInvalidated(() => badge.stop());
  },
});
