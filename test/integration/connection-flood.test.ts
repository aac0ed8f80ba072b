/**
 * Connection flood (issue 8 item 5): WebSocket upgrades per client address are rate-limited
 * before any WebSocket work; past the rate the upgrade is answered HTTP 429 with
 * `{code: 8040, reason: 'connection_rate'}` and `Retry-After`, other addresses are not
 * affected, behind a trusted proxy the address is the one the proxy appended to
 * X-Forwarded-For, and a flood of refusals logs a bounded number of lines.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness.ts';

type Upgrade = { status: 'open' } | { status: number; retryAfter: string | undefined; body: any };

/** One upgrade attempt; the socket is closed again at once when it opens. */
function upgrade(url: string, o: { localAddress?: string; forwardedFor?: string } = {}): Promise<Upgrade> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { ...(o.localAddress ? { localAddress: o.localAddress } : {}), ...(o.forwardedFor ? { headers: { 'x-forwarded-for': o.forwardedFor } } : {}) });
    ws.once('open', () => {
      ws.terminate();
      resolve({ status: 'open' });
    });
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], body: JSON.parse(body) }));
    });
    ws.once('error', reject);
  });
}

describe('connection flood', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('connection flood: past the per-address rate the upgrade gets HTTP 429 connection_rate with Retry-After; another address still gets in; refusals log one line', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const stream = new Writable({ write(chunk, _enc, done) { lines.push(JSON.parse(String(chunk)) as Record<string, unknown>); done(); } });
    h = await startHarness({ limits: { connectionRatePerIP: { perSecond: 0.001, burst: 3 } }, logger: pino({ level: 'info' }, stream) });
    const url = h.server.url;
    const first = [await upgrade(url), await upgrade(url), await upgrade(url)];
    expect(first).toEqual(Array(3).fill({ status: 'open' }));
    const refused = [];
    for (let i = 0; i < 20; i++) refused.push(await upgrade(url));
    for (const r of refused) {
      expect(r).toMatchObject({ status: 429, retryAfter: '1', body: { code: 8040, reason: 'connection_rate' } });
    }
    expect(await upgrade(url, { localAddress: '127.0.0.2' })).toEqual({ status: 'open' });
    // 20 refusals of one address and reason: one log line (the rest are counted into the next one).
    const logged = lines.filter((l) => l.msg === 'websocket upgrade refused');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ address: '127.0.0.1', reason: 'connection_rate', refusedBefore: 0 });
  });

  it('connection flood behind a trusted proxy: the rate is per X-Forwarded-For client, not per proxy', async () => {
    h = await startHarness({ trustProxy: true, limits: { connectionRatePerIP: { perSecond: 0.001, burst: 2 } } });
    const url = h.server.url;
    const a = [await upgrade(url, { forwardedFor: '198.51.100.7' }), await upgrade(url, { forwardedFor: '198.51.100.7' }), await upgrade(url, { forwardedFor: '198.51.100.7' })];
    expect(a.map((r) => r.status)).toEqual(['open', 'open', 429]);
    // Same proxy (127.0.0.1), another client: its own budget.
    expect(await upgrade(url, { forwardedFor: '198.51.100.8' })).toEqual({ status: 'open' });
    // The proxy appends the address it saw last: an earlier, client-written entry is not the key.
    expect(await upgrade(url, { forwardedFor: '203.0.113.1, 198.51.100.7' })).toMatchObject({ status: 429, body: { reason: 'connection_rate' } });
  });
});
