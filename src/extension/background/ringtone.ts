/**
 * The ringtone. A service worker cannot play audio, so Chrome plays it in an offscreen
 * document (reason AUDIO_PLAYBACK); Firefox's MV3 background is an event page with a
 * DOM and plays it itself. Both are idempotent: `start` while already ringing at that
 * volume changes nothing, which is what lets a restarted worker re-assert the ring
 * without ringing twice (the offscreen document outlives the worker).
 */
import { browser } from 'wxt/browser';
import type { OffscreenCommand } from '../shared/schema.ts';
import { extensionURL } from '../shared/url.ts';

export interface Ringtone {
  start(volume: number): Promise<void>;
  stop(): Promise<void>;
}

export const RING_URL = '/sounds/ring.wav';
const OFFSCREEN_PATH = '/offscreen.html';

/**
 * Chrome: an offscreen document playing `RING_URL` in a loop. `chrome.offscreen` and
 * `runtime.getContexts` are Chrome-only, so this speaks the `chrome` namespace (typed by
 * @types/chrome) rather than the cross-browser `browser`.
 */
export function offscreenRingtone(): Ringtone {
  const { offscreen, runtime } = chrome;
  let creating: Promise<void> | null = null;
  async function exists(): Promise<boolean> {
    const contexts = await runtime.getContexts({ contextTypes: ['OFFSCREEN_DOCUMENT'] });
    return contexts.length > 0;
  }
  async function ensure(): Promise<void> {
    if (await exists()) return;
    creating ??= offscreen
      .createDocument({ url: OFFSCREEN_PATH, reasons: ['AUDIO_PLAYBACK'], justification: 'Plays the ringtone of an incoming call' })
      .finally(() => (creating = null));
    await creating;
  }
  return {
    async start(volume) {
      await ensure();
      const cmd: OffscreenCommand = { target: 'offscreen', type: 'ring/start', volume };
      // The document's script may still be loading right after creation: retry briefly.
      for (let attempt = 0; ; attempt++) {
        try {
          await browser.runtime.sendMessage(cmd);
          return;
        } catch (e) {
          if (attempt >= 10) throw e;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    },
    async stop() {
      if (await exists()) await offscreen.closeDocument().catch(() => undefined);
    },
  };
}

/** Firefox (and any context with a DOM): an Audio element in this document. */
export function elementRingtone(url: string = extensionURL(RING_URL)): Ringtone {
  let audio: HTMLAudioElement | null = null;
  return {
    async start(volume) {
      audio ??= Object.assign(new Audio(url), { loop: true });
      audio.volume = volume;
      if (audio.paused) await audio.play().catch(() => undefined);
    },
    async stop() {
      if (!audio) return;
      audio.pause();
      audio.currentTime = 0;
    },
  };
}

/** A ringtone that does nothing (tests, or audio unavailable). */
export function silentRingtone(): Ringtone & { playing: boolean; volume: number } {
  const r = {
    playing: false,
    volume: 0,
    async start(volume: number) {
      r.playing = true;
      r.volume = volume;
    },
    async stop() {
      r.playing = false;
    },
  };
  return r;
}
