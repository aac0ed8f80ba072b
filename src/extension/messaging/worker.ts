/**
 * The worker's end of the message channel: every incoming message is validated against
 * `Request`; unknown shapes are answered with `bad_message` and a description of what
 * was wrong, and web pages' content scripts may only accept, reject, cancel, silence the
 * ringtone or ask for a confirmation, and hear only whether it worked: never the state (the account, the
 * calls), which the badge does not need.
 */
import { browser, type Browser } from 'wxt/browser';
import { CONTENT_SCRIPT_REQUESTS, describeIssues, Request, type Failure, type Response } from '../shared/schema.ts';
import { t } from '../shared/i18n.ts';
import { extensionURL } from '../shared/url.ts';
import { ViewError } from '../background/errors.ts';
import { listen } from '../background/listen.ts';

type Sender = Browser.runtime.MessageSender;

/** True for a content script in a web page (not an extension page, even one in a tab). */
export function fromContentScript(sender: Sender): boolean {
  const own = extensionURL('/');
  const url = sender.url ?? sender.tab?.url ?? '';
  return sender.tab !== undefined && !url.startsWith(own);
}

export function toFailure(e: unknown): Failure {
  if (e instanceof ViewError) return { code: e.code, message: t(e.key, ...e.subs.map((s) => (typeof s === 'string' ? s : t(s.key)))) };
  return { code: 'internal', message: e instanceof Error ? e.message : String(e) };
}

/** Validates and serves one message. Exported for tests. */
export async function respond(
  raw: unknown,
  sender: Sender,
  handler: (req: Request) => Promise<unknown>,
): Promise<Response> {
  const parsed = Request.safeParse(raw);
  if (!parsed.success) {
    return { ok: false, error: { code: 'bad_message', message: `rejected message: ${describeIssues(parsed.error)}` } };
  }
  const req = parsed.data;
  const contentScript = fromContentScript(sender);
  if (contentScript && !CONTENT_SCRIPT_REQUESTS.has(req.type)) {
    return { ok: false, error: { code: 'forbidden', message: `rejected message: ${req.type} is not allowed from a web page` } };
  }
  try {
    const result = await handler(req);
    return contentScript ? { ok: true } : { ok: true, result };
  } catch (e) {
    return { ok: false, error: toFailure(e) };
  }
}

/** Messages for the offscreen document travel on the same channel; the worker ignores them. */
function isForOffscreen(raw: unknown): boolean {
  return typeof raw === 'object' && raw !== null && (raw as { target?: unknown }).target === 'offscreen';
}

/** Serves every request with `handler` until `signal` aborts. */
export function serveRequests(handler: (req: Request) => Promise<unknown>, signal: AbortSignal): void {
  const onMessage = ((raw: unknown, sender: Sender) => {
    if (isForOffscreen(raw)) return undefined;
    return respond(raw, sender, handler);
  }) as Parameters<typeof browser.runtime.onMessage.addListener>[0];
  listen(browser.runtime.onMessage, onMessage, signal);
}
