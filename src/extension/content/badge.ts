/**
 * The page badge: a small card in a closed shadow root (app, caller, call type with an
 * icon; Accept, Reject, Silence), present only while something
 * rings or is being dialled. Idle it is one `storage.onChanged` listener: no DOM, no
 * timers, no port. It never reads the page; the page cannot see inside it (closed root),
 * restyle it (`all: initial !important` on :host wins over page rules) or press its
 * buttons (only `isTrusted` clicks count), nor trick a real click onto it through a
 * covering or transformed overlay (visibility.ts: a button answers only once it has
 * been visible, unmoved, for a moment; where visibility cannot be known, "accept" asks
 * for a confirmation in an extension window). It holds no account and reads nothing
 * but its view.
 *
 * When a page loads while someone is signed in, it opens the wake port once (and lets
 * the worker close it): a worker the browser stopped runs again and reconnects, so a
 * person using the browser is reachable at once (background/features/wake.ts).
 */
import { browser } from './ext.ts';
// Constants and types only: importing the schema's validators would bundle zod into every
// page (the worker validates what it writes here and what the badge sends).
import { BADGE_VIEW_KEY, WAKE_ON_PAGE_LOAD_KEY, WAKE_PORT } from '../shared/keys.ts';
import type { BadgeAction, BadgeItem, BadgeView, Request, Response } from '../shared/schema.ts';
import { VisibilityGuard } from './visibility.ts';

// Its own opaque surface and a light border, so it stands out on light and dark pages
// alike; every text >= 13 px; every colour pair at least WCAG AA (4.5:1).
const STYLE = `
:host { all: initial !important; position: fixed !important; top: 12px !important; right: 12px !important;
  z-index: 2147483647 !important; display: block !important; pointer-events: auto !important; color-scheme: only light; }
.stack { display: flex; flex-direction: column; gap: 6px; font: 14px/1.35 system-ui, sans-serif; color: #fff; }
.card { display: flex; align-items: center; gap: 10px; padding: 10px 12px; border-radius: 12px;
  background: #1f2933; color: #fff; border: 2px solid #cbd2d9; box-shadow: 0 4px 16px rgba(0,0,0,.35); max-width: 440px; }
.icon { flex: none; width: 32px; height: 32px; padding: 6px; box-sizing: border-box; border-radius: 50%; background: #0a7a52; fill: #fff; }
.body { flex: 1; min-width: 0; display: flex; flex-direction: column; }
.app { font-size: 13px; color: #d9e2ec; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.text { font-size: 15px; font-weight: 600; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.buttons { display: flex; gap: 6px; flex: none; }
button { all: unset; cursor: pointer; padding: 6px 12px; border-radius: 999px; font: 600 14px/1.2 system-ui, sans-serif;
  color: #fff; border: 1px solid transparent; }
button:focus-visible { outline: 2px solid #8ab4f8; outline-offset: 2px; }
button[data-action="accept"] { background: #0a7a52; }
button[data-action="reject"], button[data-action="cancel"] { background: #c5221f; }
button[data-action="silence"] { background: #323f4b; border-color: #cbd2d9; }
button[disabled] { cursor: default; }
button:not([data-armed]):not([data-action="silence"]) { cursor: not-allowed; }
.hint { display: block; max-width: 420px; padding: 6px 10px; border-radius: 8px; background: #1f2933; border: 1px solid #cbd2d9;
  color: #ffd866; font-size: 13px; }
.hint[hidden] { display: none; }
`;

const SVG = 'http://www.w3.org/2000/svg';
const ICONS = {
  audio: 'M6.6 10.8c1.4 2.8 3.8 5.1 6.6 6.6l2.2-2.2c.3-.3.7-.4 1-.2 1.1.4 2.3.6 3.6.6.6 0 1 .4 1 1V20c0 .6-.4 1-1 1C10.6 21 3 13.4 3 4c0-.6.4-1 1-1h3.5c.6 0 1 .4 1 1 0 1.3.2 2.5.6 3.6.1.3 0 .7-.2 1z',
  video: 'M17 10.5V7c0-.6-.4-1-1-1H4c-.6 0-1 .4-1 1v10c0 .6.4 1 1 1h12c.6 0 1-.4 1-1v-3.5l4 4v-11z',
};

/** The call type's icon (decorative: the type is also said in words). */
function icon(type: 'audio' | 'video'): SVGSVGElement {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'icon');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.dataset.type = type;
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('d', ICONS[type]);
  svg.append(path);
  return svg;
}

function div(className: string, text?: string): HTMLDivElement {
  const el = document.createElement('div');
  el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

/** The stored view, or none if it is not one (the worker wrote and validated it). */
function asView(raw: unknown): BadgeView {
  const items = (raw as Partial<BadgeView> | null | undefined)?.items;
  return Array.isArray(items) ? (raw as BadgeView) : { items: [] };
}

export interface BadgeHandle {
  stop(): void;
}

/** Starts the badge in this (top) frame. */
export function startBadge(): BadgeHandle {
  let host: HTMLElement | null = null;
  let root: ShadowRoot | null = null;
  let rendered = '';
  let guards: VisibilityGuard[] = [];

  const stopGuards = () => {
    for (const g of guards) g.stop();
    guards = [];
  };

  const remove = () => {
    stopGuards();
    host?.remove();
    host = null;
    root = null;
    rendered = '';
  };

  const send = async (action: BadgeAction | 'confirm', inviteID: string) => {
    const req: Request = { type: `call/${action}`, inviteID };
    const res = (await browser.runtime.sendMessage<Request, Response | undefined>(req));
    if (res?.ok === false) console.warn(`[ringlet] ${res.error.message}`);
  };

  const render = (raw: unknown) => {
    const view = asView(raw);
    if (view.items.length === 0) return remove();
    const json = JSON.stringify(view);
    if (json === rendered) return;
    rendered = json;
    if (!host || !root) {
      host = document.createElement('ringlet-badge');
      root = host.attachShadow({ mode: 'closed' });
      document.documentElement.append(host);
    }
    stopGuards();
    const style = document.createElement('style');
    style.textContent = STYLE;
    const stack = document.createElement('div');
    stack.className = 'stack';
    stack.setAttribute('role', 'status');
    stack.setAttribute('aria-live', 'polite');
    for (const item of view.items) stack.append(...card(item, view));
    root.replaceChildren(style, stack);
  };

  /** One invitation's card and its hint line. */
  const card = (item: BadgeItem, view: BadgeView): [HTMLElement, HTMLElement] => {
    const box = div('card');
    box.dataset.invite = item.inviteID;
    const body = div('body');
    const meta = [item.app, item.callTypeLabel].filter(Boolean).join(' · ');
    if (meta) body.append(div('app', meta));
    body.append(div('text', item.text));
    if (item.callType) box.append(icon(item.callType));
    const buttons = div('buttons');
    box.append(body, buttons);
    const hint = div('hint');
    hint.setAttribute('role', 'alert');
    hint.hidden = true;
    const say = (line: string | undefined) => {
      hint.textContent = line ?? '';
      hint.hidden = !line;
    };
    for (const b of item.buttons) {
      const button = document.createElement('button');
      button.type = 'button';
      button.dataset.action = b.action;
      button.textContent = b.label;
      buttons.append(button);
      if (b.action === 'silence') {
        // Silence only stops the ringtone (nothing reaches the server): no arming needed.
        button.addEventListener('click', (event) => {
          if (!event.isTrusted || button.disabled) return;
          button.disabled = true;
          void send('silence', item.inviteID).finally(() => (button.disabled = false));
        });
        continue;
      }
      const guard = new VisibilityGuard(button, (armed) => {
        // Inside the closed root: the page cannot see it (the end-to-end tests read it over CDP).
        if (armed) button.dataset.armed = 'true';
        else delete button.dataset.armed;
      });
      guards.push(guard);
      button.addEventListener('click', (event) => {
        if (!event.isTrusted || button.disabled) return; // a page script's synthetic click
        button.disabled = true;
        void (async () => {
          if (!(await guard.clickCounts())) {
            button.dataset.refused = String(Number(button.dataset.refused ?? 0) + 1); // read by the end-to-end tests
            return say(view.hints?.covered);
          }
          // Without visibility information, answering needs a confirmation the page cannot reach.
          const action = b.action === 'accept' && !guard.tracking ? 'confirm' : b.action;
          if (action === 'confirm') say(view.hints?.confirming);
          else say(undefined);
          await send(action, item.inviteID);
        })().finally(() => (button.disabled = false));
      });
    }
    return [box, hint];
  };

  const onChanged = (changes: Record<string, { newValue?: unknown }>, area: string) => {
    if (area === 'local' && BADGE_VIEW_KEY in changes) render(changes[BADGE_VIEW_KEY]?.newValue);
  };
  browser.storage.onChanged.addListener(onChanged);
  void browser.storage.local.get([BADGE_VIEW_KEY, WAKE_ON_PAGE_LOAD_KEY]).then((got) => {
    render(got[BADGE_VIEW_KEY]);
    if (got[WAKE_ON_PAGE_LOAD_KEY] === true) browser.runtime.connect({ name: WAKE_PORT }); // the worker closes it
  });

  return {
    stop() {
      browser.storage.onChanged.removeListener(onChanged);
      remove();
    },
  };
}
