import { defineBackground } from 'wxt/utils/define-background';
import { startBackground } from '../src/extension/background/index.ts';
import { createChat, createProbingChat } from '../src/extension/background/sdk.ts';
import { elementRingtone, offscreenRingtone } from '../src/extension/background/ringtone.ts';

// main() must stay synchronous: every listener is registered before the first await.
export default defineBackground({
  type: 'module',
  main() {
    startBackground(
      {
        // Firefox holds back WebSocket attempts after failed ones: probe over HTTP first.
        createChat: import.meta.env.FIREFOX ? createProbingChat : createChat,
        ringtone: import.meta.env.FIREFOX ? elementRingtone() : offscreenRingtone(),
      },
      // Firefox suspends an idle MV3 event page even while its WebSocket is open.
      { keepAwake: import.meta.env.FIREFOX },
    );
  },
});
