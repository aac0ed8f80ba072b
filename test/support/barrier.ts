/**
 * Barrier messages: how a test proves that something did NOT reach a client. A dedicated
 * user sends the client a custom C2C message carrying a fresh token; the server delivers a
 * user's pushes in commit order, so once the token arrives, everything committed for that
 * user before the send has arrived too. Assert the absence after that, never after a sleep.
 *
 * Online-only (the default) suits one server: it waits behind any of the user's events
 * published before it and held for a gap (hub/user-order.ts). Across a cluster use
 * `stored: true`: a stored message takes the recipient's next event seq, and every node
 * passes a user's events to its sessions strictly in seq order (an online-only message has
 * no seq, so it may pass an earlier event that another node has not published yet).
 */
import { EVENT } from '../../src/sdk/index.ts';

const PREFIX = '__ringlet_test_barrier__:';

/** The slice of the SDK chat a barrier needs (the conformance suite types its own chat). */
export interface BarrierSender {
  createCustomMessage(o: { to: string; conversationType: 'C2C'; payload: { data: string } }): { conversationID: string; payload: { data: string } };
  sendMessage(m: { conversationID: string; payload: { data: string } }, o?: { onlineUserOnly?: boolean }): Promise<{ code: number }>;
}

export interface BarrierReceiver {
  on(name: string, handler: (e: { data: unknown }) => void): void;
  off(name: string, handler: (e: { data: unknown }) => void): void;
}

export function newBarrierToken(): string {
  return `${PREFIX}${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
}

/** Whether a received message is a barrier (so a recorder can keep it out of what the test heard). */
export function isBarrier(m: unknown): boolean {
  return barrierToken(m) !== null;
}

/** The token of a barrier message, or null for any other message. */
export function barrierToken(m: unknown): string | null {
  const data = (m as { payload?: { data?: unknown } } | null)?.payload?.data;
  return typeof data === 'string' && data.startsWith(PREFIX) ? data : null;
}

/** Sends `token` to `to` from `via` (a logged-in client of another user). */
export async function sendBarrier(via: BarrierSender, to: string, token: string, opts: { stored?: boolean } = {}): Promise<void> {
  const message = via.createCustomMessage({ to, conversationType: 'C2C', payload: { data: token } });
  const res = await via.sendMessage(message, { onlineUserOnly: !(opts.stored ?? false) });
  if (res.code !== 0) throw new Error(`barrier message refused: ${JSON.stringify(res)}`);
}

/**
 * Resolves when `chat` receives the barrier `token` (listen before sending it). Rejects
 * after `timeoutMs`: a client that is not connected never gets its barrier.
 */
export function barrierArrival(chat: BarrierReceiver, token: string, timeoutMs: number, label: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (e: { data: unknown }) => {
      if (!Array.isArray(e.data) || !e.data.some((m) => barrierToken(m) === token)) return;
      done();
      resolve();
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`${label}: barrier message did not arrive within ${timeoutMs} ms (is the client connected?)`));
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      chat.off(EVENT.MESSAGE_RECEIVED, onMessage);
    };
    chat.on(EVENT.MESSAGE_RECEIVED, onMessage);
  });
}

/** Sends a barrier from `via` to `to` and waits until every client in `receivers` has it. */
export async function barrier(via: BarrierSender, to: string, receivers: readonly { chat: BarrierReceiver; label: string }[], opts: { stored?: boolean; timeoutMs?: number } = {}): Promise<void> {
  const token = newBarrierToken();
  const arrived = receivers.map((r) => barrierArrival(r.chat, token, opts.timeoutMs ?? 20_000, r.label));
  // Nothing unhandled if the send throws first.
  for (const a of arrived) a.catch(() => undefined);
  await sendBarrier(via, to, token, opts);
  await Promise.all(arrived);
}
