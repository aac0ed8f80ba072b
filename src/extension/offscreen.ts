/**
 * Chrome's offscreen document: the only place a MV3 extension can play audio without a
 * visible page. It plays the ringtone on `ring/start` and is closed by the worker to stop.
 * Repeated `ring/start` (a restarted worker re-asserting the ring) does not restart it.
 */
import { browser } from 'wxt/browser';
import { OffscreenCommand } from './shared/schema.ts';
import { elementRingtone } from './background/ringtone.ts';

export function startOffscreenRingtone(): void {
  const ring = elementRingtone();
  browser.runtime.onMessage.addListener(((raw: unknown) => {
    const parsed = OffscreenCommand.safeParse(raw);
    if (!parsed.success) return undefined; // views' requests travel here too: not ours
    const cmd = parsed.data;
    void (cmd.type === 'ring/start' ? ring.start(cmd.volume) : ring.stop());
    return undefined;
  }) as Parameters<typeof browser.runtime.onMessage.addListener>[0]);
}
