/**
 * The page badge: a small pill in a closed shadow root, present only while something
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
 * person using the browser is reachable at once (wake.ts).
 */
import { browser } from 'wxt/browser';
import { BADGE_VIEW_KEY, BadgeView, Response, WAKE_ON_PAGE_LOAD_KEY, WAKE_PORT, type Request } from '../shared/schema.ts';
import { VisibilityGuard } from './visibility.ts';

const STYLE = `
:host { all: initial !important; position: fixed !important; top: 12px !important; right: 12px !important;
  z-index: 2147483647 !important; display: block !important; pointer-events: auto !important; }
.stack { display: flex; flex-direction: column; gap: 6px; font: 13px/1.3 system-ui, sans-serif; }
.pill { display: flex; align-items: center; gap: 8px; padding: 6px 8px 6px 12px; border-radius: 999px;
  background: #1f2933; color: #fff; box-shadow: 0 2px 10px rgba(0,0,0,.3); max-width: 420px; }
.text { flex: 1; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
button { all: unset; cursor: pointer; padding: 4px 10px; border-radius: 999px; font-weight: 600; }
button:focus-visible { outline: 2px solid #8ab4f8; outline-offset: 1px; }
button[data-action="accept"] { background: #0b8a5f; }
button[data-action="reject"], button[data-action="cancel"] { background: #d93025; }
button[disabled] { cursor: default; }
button:not([data-armed]) { cursor: not-allowed; }
.hint { display: block; max-width: 400px; padding: 4px 10px; border-radius: 8px; background: #1f2933; color: #ffd866; font-size: 12px; }
.hint[hidden] { display: none; }
`;

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

  const send = async (action: 'accept' | 'reject' | 'cancel' | 'confirm', inviteID: string) => {
    const req: Request = { type: `call/${action}`, inviteID };
    const parsed = Response.safeParse(await browser.runtime.sendMessage(req));
    if (parsed.success && !parsed.data.ok) console.warn(`[ringlet] ${parsed.data.error.message}`);
  };

  const render = (raw: unknown) => {
    const parsed = BadgeView.safeParse(raw ?? { items: [] });
    const view = parsed.success ? parsed.data : { items: [] };
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
    for (const item of view.items) {
      const pill = document.createElement('div');
      pill.className = 'pill';
      const text = document.createElement('span');
      text.className = 'text';
      text.textContent = item.text;
      const hint = document.createElement('span');
      hint.className = 'hint';
      hint.setAttribute('role', 'alert');
      hint.hidden = true;
      const say = (line: string | undefined) => {
        hint.textContent = line ?? '';
        hint.hidden = !line;
      };
      pill.append(text);
      for (const b of item.buttons) {
        const button = document.createElement('button');
        button.type = 'button';
        button.dataset.action = b.action;
        button.textContent = b.label;
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
        pill.append(button);
      }
      stack.append(pill, hint);
    }
    root.replaceChildren(style, stack);
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
