/**
 * What operators watch: Prometheus series for one node (prom-client), served by
 * `metricsServer` on its own listener (`--metrics host:port`, off by default) so that
 * neither the public port nor a web page ever sees them.
 *
 * Hot-path cost: a counter increment or a histogram observation on a child bound once per
 * label set (no label object per request); gauges are read only when scraped.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Read at scrape time only. */
export interface MetricSources {
  sessions(): number;
  /** Bytes queued in this node's sockets, not yet written to the network. */
  outboundBytes(): number;
  /** Open invitations with a deadline (a store query; scrapes are rare). */
  pendingDeadlines(): Promise<number>;
  /** Socket logins: in flight now, refused with a time to come back, and the revocation cache's lookups so far. */
  logins(): { inFlight: number; refused: number; cacheHits: number; cacheMisses: number };
}

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const ANSWER_BUCKETS = [0.5, 1, 2, 3, 5, 8, 13, 20, 30, 60, 120, 300];

export class Metrics {
  readonly registry = new Registry();
  readonly #requests: Counter<'op' | 'code'>;
  readonly #requestChildren = new Map<string, Counter.Internal>();
  readonly #commit: Histogram;
  readonly #read: Histogram;
  readonly #answer: Histogram<'outcome'>;
  readonly #answerChildren: Record<'accept' | 'reject', Histogram.Internal<'outcome'>>;
  readonly #lateness: Histogram;
  readonly #published: Counter;
  readonly #kicked: Counter<'reason'>;

  constructor(sources: MetricSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'ringlet_process_' });
    new Gauge({ name: 'ringlet_sessions', help: 'Logged-in sessions on this node', registers, collect() { this.set(sources.sessions()); } });
    new Gauge({ name: 'ringlet_logins_in_flight', help: 'Socket logins between the login frame and the end of their catch-up', registers, collect() { this.set(sources.logins().inFlight); } });
    new Gauge({ name: 'ringlet_logins_refused', help: 'Socket logins refused with close code 1013 and a time to come back, since start', registers, collect() { this.set(sources.logins().refused); } });
    new Gauge({
      name: 'ringlet_login_revocation_lookups', help: 'Revocation checks before a login joins the bus, since start: answered by this node\'s cache (hit) or read from the store (miss)', labelNames: ['result'], registers,
      collect() {
        const l = sources.logins();
        this.set({ result: 'hit' }, l.cacheHits);
        this.set({ result: 'miss' }, l.cacheMisses);
      },
    });
    new Gauge({ name: 'ringlet_outbound_queue_bytes', help: 'Bytes queued in sockets, not yet written', registers, collect() { this.set(sources.outboundBytes()); } });
    new Gauge({
      name: 'ringlet_pending_deadlines', help: 'Open invitations with a deadline (whole store)', registers,
      async collect() { this.set(await sources.pendingDeadlines()); },
    });
    this.#requests = new Counter({ name: 'ringlet_requests_total', help: 'Requests answered, by operation and result code (0 = success)', labelNames: ['op', 'code'], registers });
    this.#commit = new Histogram({ name: 'ringlet_store_write_seconds', help: 'A mutating request\'s transaction, from begin to durable commit', buckets: LATENCY_BUCKETS, registers });
    this.#read = new Histogram({ name: 'ringlet_store_read_seconds', help: 'A read request\'s store round trip', buckets: LATENCY_BUCKETS, registers });
    this.#answer = new Histogram({ name: 'ringlet_invite_answer_seconds', help: 'From invite to the invitee\'s accept or reject, server clock', labelNames: ['outcome'], buckets: ANSWER_BUCKETS, registers });
    this.#answerChildren = { accept: this.#answer.labels('accept'), reject: this.#answer.labels('reject') };
    this.#lateness = new Histogram({ name: 'ringlet_deadline_lateness_seconds', help: 'How late a deadline fired after it was due', buckets: LATENCY_BUCKETS, registers });
    this.#published = new Counter({ name: 'ringlet_bus_deliveries_total', help: 'Event deliveries handed to the bus after a commit', registers });
    this.#kicked = new Counter({ name: 'ringlet_sessions_closed_total', help: 'Sessions closed by the server, by reason', labelNames: ['reason'], registers });
  }

  request(op: string, code: number): void {
    const key = `${op} ${code}`;
    let child = this.#requestChildren.get(key);
    if (!child) this.#requestChildren.set(key, (child = this.#requests.labels(op, String(code))));
    child.inc();
  }

  storeWrite(seconds: number): void { this.#commit.observe(seconds); }
  storeRead(seconds: number): void { this.#read.observe(seconds); }
  answered(outcome: 'accept' | 'reject', seconds: number): void { this.#answerChildren[outcome].observe(seconds); }
  deadlineFired(latenessSeconds: number): void { this.#lateness.observe(Math.max(0, latenessSeconds)); }
  published(deliveries: number): void { this.#published.inc(deliveries); }
  sessionClosed(reason: string): void { this.#kicked.labels(reason).inc(); }
}

/** A listener that serves `GET /metrics` and nothing else. */
export async function metricsServer(metrics: Metrics, host: string, port: number): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '/').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' }).end(text),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${String(err)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => { server.off('error', reject); resolve(); });
  });
  const addr = server.address() as AddressInfo;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${addr.port}/metrics`,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
