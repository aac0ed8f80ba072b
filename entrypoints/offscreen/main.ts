import { startOffscreenRingtone } from '../../src/extension/offscreen.ts';

startOffscreenRingtone();
