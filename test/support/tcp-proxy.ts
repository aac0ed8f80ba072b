/**
 * A tiny round-robin TCP proxy on 127.0.0.1 (node:net): it stands in for "any TCP load
 * balancer" in front of the nodes. A backend that refuses the connection is skipped; when
 * either side closes, the other is closed too, so a node's death drops its clients, which
 * then reconnect through the proxy to a live node.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  readonly port: number;
  readonly url: string;
  /** Ports the proxy balances over; may be changed at any time. */
  backends: number[];
  /** Open client connections per backend port. */
  connectionsTo(port: number): number;
  /**
   * The network goes away: every open connection is dropped and new ones are closed as
   * soon as they are accepted, until `restore()`.
   */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

/**
 * 'round-robin' spreads connections; 'first-alive' sends each to the first backend in the
 * list that accepts it (a preferred node with fail-over).
 */
export type ProxyPolicy = 'round-robin' | 'first-alive';

export async function startTcpProxy(backends: number[], policy: ProxyPolicy = 'round-robin'): Promise<TcpProxy> {
  let next = 0;
  let down = false;
  const open = new Set<Socket>();
  const perBackend = new Map<number, number>();
  const proxy: TcpProxy = {
    port: 0,
    url: '',
    backends: [...backends],
    connectionsTo: (port) => perBackend.get(port) ?? 0,
    cut: () => {
      down = true;
      for (const s of open) s.destroy();
    },
    restore: () => {
      down = false;
    },
    close: async () => {
      for (const s of open) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };

  const server: Server = createServer((client) => {
    if (down) return void client.destroy();
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => undefined);
    client.pause();
    const tryBackend = (attempt: number) => {
      const list = proxy.backends;
      if (attempt >= list.length || list.length === 0 || client.destroyed) return client.destroy();
      const port = policy === 'first-alive' ? list[attempt]! : list[next++ % list.length]!;
      const upstream = createConnection({ host: '127.0.0.1', port });
      let connected = false;
      upstream.on('connect', () => {
        connected = true;
        open.add(upstream);
        perBackend.set(port, (perBackend.get(port) ?? 0) + 1);
        upstream.setNoDelay(true);
        client.setNoDelay(true);
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
      upstream.on('error', () => {
        if (!connected) tryBackend(attempt + 1);
      });
      upstream.on('close', () => {
        if (!connected) return;
        open.delete(upstream);
        perBackend.set(port, (perBackend.get(port) ?? 1) - 1);
        client.destroy();
      });
      client.on('close', () => upstream.destroy());
    };
    tryBackend(0);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  Object.assign(proxy, { port, url: `ws://127.0.0.1:${port}` });
  return proxy;
}
