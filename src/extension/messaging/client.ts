/**
 * The views' end of the message channel: `request()` for one-off requests (validated
 * answer) and `connectView()` for live state over a port, reconnecting if the worker is
 * restarted while the view is open.
 */
import { browser } from 'wxt/browser';
import { describeIssues, PortMessage, Response, VIEW_PORT, type RequestOf, type RequestResults, type RequestType, type ViewState } from '../shared/schema.ts';

/** A failed request: the worker's stable `code` and a translated message. */
export class RequestError extends Error {
  readonly code: string | number;
  constructor(code: string | number, message: string) {
    super(message);
    this.name = 'RequestError';
    this.code = code;
  }
}

/** Sends one request; its result is typed by the message schema's `RequestResults`. */
export async function request<K extends RequestType>(req: RequestOf<K> & { type: K }): Promise<RequestResults[K]> {
  const raw: unknown = await browser.runtime.sendMessage(req);
  const parsed = Response.safeParse(raw);
  if (!parsed.success) throw new RequestError('bad_response', `invalid answer from the worker: ${describeIssues(parsed.error)}`);
  if (!parsed.data.ok) throw new RequestError(parsed.data.error.code, parsed.data.error.message);
  // The worker answered this request with its handler's result (background/registry.ts).
  return parsed.data.result as RequestResults[K];
}

/** Subscribes to the worker's state; returns a function that closes the subscription. */
export function connectView(onState: (state: ViewState) => void): () => void {
  let closed = false;
  let port: ReturnType<typeof browser.runtime.connect> | null = null;
  const open = () => {
    if (closed) return;
    port = browser.runtime.connect({ name: VIEW_PORT });
    port.onMessage.addListener((raw: unknown) => {
      const parsed = PortMessage.safeParse(raw);
      if (parsed.success) onState(parsed.data.state);
      else console.warn(`[ringlet] rejected port message: ${describeIssues(parsed.error)}`);
    });
    port.onDisconnect.addListener(() => {
      port = null;
      // The worker was stopped: this view is still open, so wake it again.
      setTimeout(open, 300);
    });
  };
  open();
  return () => {
    closed = true;
    port?.disconnect();
  };
}
