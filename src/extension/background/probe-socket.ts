/**
 * A WebSocket that opens only once the server answers plain HTTP.
 *
 * Firefox slows down WebSocket connections to a host:port whose earlier attempts failed
 * (`network.websocket.delay-failed-reconnects`, RFC 6455 section 7.2.3): each failure
 * makes the next `new WebSocket()` wait 1.5 times longer, up to 60 s. After a few minutes
 * of outage with the SDK retrying every few seconds, the first attempt after the network
 * returns can be held back a whole minute by the browser itself. So in Firefox each of the
 * SDK's attempts first asks the server's `/healthz` over HTTP (not throttled) and opens
 * the WebSocket only when something answered; while the server is away no WebSocket
 * attempt fails and nothing is held back. This is still the SDK's one reconnect loop: an
 * unanswered probe is simply a socket that closed before it opened.
 */
import type { SocketFactory, SocketLike } from '../../sdk/socket.ts';
import { httpBase } from './accounts.ts';

const CONNECTING = 0;
const CLOSED = 3;
/** A probe with no answer for this long counts as "not there". */
const PROBE_TIMEOUT_MS = 10_000;

/** True when anything answers HTTP at the server's origin (an opaque answer will do). */
export async function serverAnswers(wsUrl: string, fetchImpl: typeof fetch = fetch): Promise<boolean> {
  try {
    await fetchImpl(`${httpBase(wsUrl)}/healthz`, {
      method: 'HEAD',
      mode: 'no-cors',
      cache: 'no-store',
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
    return true;
  } catch {
    return false;
  }
}

/** Wraps `open` (the platform WebSocket by default) so that each connection is probed first. */
export function probingSocketFactory(
  probe: (url: string) => Promise<boolean> = (url) => serverAnswers(url),
  open: SocketFactory = (url) => new WebSocket(url) as unknown as SocketLike,
): SocketFactory {
  return (url) => new ProbingSocket(url, probe, open);
}

class ProbingSocket implements SocketLike {
  onopen: SocketLike['onopen'] = null;
  onclose: SocketLike['onclose'] = null;
  onerror: SocketLike['onerror'] = null;
  onmessage: SocketLike['onmessage'] = null;
  #inner: SocketLike | null = null;
  #closed = false;

  constructor(url: string, probe: (url: string) => Promise<boolean>, open: SocketFactory) {
    void probe(url).then((ok) => {
      if (this.#closed) return;
      if (!ok) {
        this.#closed = true;
        this.onerror?.({ type: 'error' });
        this.onclose?.({ code: 1006, reason: 'server unreachable' });
        return;
      }
      const inner = open(url);
      this.#inner = inner;
      inner.onopen = (ev) => this.onopen?.(ev);
      inner.onmessage = (ev) => this.onmessage?.(ev);
      inner.onerror = (ev) => this.onerror?.(ev);
      inner.onclose = (ev) => this.onclose?.(ev);
    });
  }

  get readyState(): number {
    if (this.#inner) return this.#inner.readyState;
    return this.#closed ? CLOSED : CONNECTING;
  }

  send(data: string): void {
    if (!this.#inner) throw new Error('the socket is not open yet');
    this.#inner.send(data);
  }

  close(code?: number, reason?: string): void {
    this.#closed = true;
    this.#inner?.close(code, reason);
  }
}
