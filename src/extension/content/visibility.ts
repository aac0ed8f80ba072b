/**
 * Clickjacking defence of the page badge. A page can cover the badge with something
 * opaque that lets clicks through (`pointer-events: none`, even in the top layer, above
 * any z-index), or make it transparent, transformed or filtered, and trick one real click
 * onto a button. `isTrusted` does not help: the click is real.
 *
 * - Chromium: IntersectionObserver v2 (`trackVisibility`) says whether the button is
 *   unoccluded and drawn without effects. A button answers only when it has been
 *   visible without a break for ARM_MS, in the same place (a moved badge re-arms), and a
 *   fresh measurement after the click still finds it visible (covering it at the last
 *   moment does not work either).
 * - Without IOv2 (Firefox), visibility cannot be known: the same arming delay applies
 *   from when the button appears, and the badge's "accept" asks for a confirmation in an
 *   extension-owned window instead of answering (badge.ts).
 */

/** How long a button must have been visible, unmoved, before a click counts. */
export const ARM_MS = 600;
/** IOv2's minimum delay between notifications (the spec requires >= 100). */
const IO_DELAY_MS = 100;

/** True where IntersectionObserver v2 reports occlusion (`isVisible`). */
function tracksVisibility(): boolean {
  return typeof IntersectionObserverEntry !== 'undefined' && 'isVisible' in IntersectionObserverEntry.prototype;
}

/** The arming rule, pure: since when the button has been visible, and where. */
export interface Arming {
  visibleSince: number | null;
  rect: string | null;
}

export const UNARMED: Arming = { visibleSince: null, rect: null };

/** A new observation: visible (and where) or not, at `now`. */
export function observe(a: Arming, visible: boolean, rect: string, now: number): Arming {
  if (!visible) return UNARMED;
  if (a.visibleSince !== null && a.rect === rect) return a;
  return { visibleSince: now, rect };
}

/** A click at `now` with the button at `rect` counts only if it has been armed there. */
export function isArmed(a: Arming, rect: string, now: number): boolean {
  return a.visibleSince !== null && a.rect === rect && now - a.visibleSince >= ARM_MS;
}

function rectKey(r: DOMRectReadOnly): string {
  return [r.left, r.top, r.width, r.height].map((n) => Math.round(n)).join(',');
}

type IOInit = IntersectionObserverInit & { trackVisibility?: boolean; delay?: number };
type IOEntry = IntersectionObserverEntry & { isVisible?: boolean };

function entryVisible(e: IOEntry): boolean {
  return e.isIntersecting && e.intersectionRatio >= 0.99 && e.isVisible === true;
}

/** Watches one badge button; `onArmed` hears when it becomes (or stops being) clickable. */
export class VisibilityGuard {
  readonly tracking = tracksVisibility();
  #el: Element;
  #arming: Arming = UNARMED;
  #io: IntersectionObserver | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #onArmed: (armed: boolean) => void;

  constructor(el: Element, onArmed: (armed: boolean) => void) {
    this.#el = el;
    this.#onArmed = onArmed;
    if (this.tracking) {
      const init: IOInit = { threshold: [1], trackVisibility: true, delay: IO_DELAY_MS };
      this.#io = new IntersectionObserver((entries) => {
        const last = entries[entries.length - 1] as IOEntry | undefined;
        if (last) this.#see(entryVisible(last), rectKey(last.boundingClientRect));
      }, init);
      this.#io.observe(el);
    } else {
      // No occlusion information: only the delay from when it appears (and moves).
      queueMicrotask(() => this.#see(true, rectKey(el.getBoundingClientRect())));
    }
  }

  #see(visible: boolean, rect: string): void {
    const next = observe(this.#arming, visible, rect, performance.now());
    if (next === this.#arming) return;
    this.#arming = next;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#onArmed(false);
    if (next.visibleSince !== null) this.#timer = setTimeout(() => this.#onArmed(true), ARM_MS);
  }

  /**
   * Whether a click now counts: armed where the button is now, and (with IOv2) still
   * visible in a measurement taken after the click.
   */
  async clickCounts(): Promise<boolean> {
    const rect = rectKey(this.#el.getBoundingClientRect());
    if (!isArmed(this.#arming, rect, performance.now())) {
      if (this.#arming.rect !== rect && this.#arming.visibleSince !== null) this.#see(true, rect); // moved: re-arm
      return false;
    }
    if (!this.tracking) return true;
    const fresh = await visibleNow(this.#el);
    if (!fresh) this.#see(false, rect);
    return fresh;
  }

  stop(): void {
    this.#io?.disconnect();
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }
}

/** One IOv2 measurement of `el` as it is drawn now (the first notification of a new observer). */
function visibleNow(el: Element): Promise<boolean> {
  return new Promise((resolve) => {
    const init: IOInit = { threshold: [1], trackVisibility: true, delay: IO_DELAY_MS };
    const io = new IntersectionObserver((entries) => {
      io.disconnect();
      const last = entries[entries.length - 1] as IOEntry | undefined;
      resolve(last ? entryVisible(last) : false);
    }, init);
    io.observe(el);
  });
}
