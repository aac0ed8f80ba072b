/**
 * Node clients of a TLS proxy in the tests: a test domain resolved to loopback, the test
 * CA trusted, and a chosen source address (so the proxy sees different clients).
 */
import { request as httpsRequest } from 'node:https';
import { type LookupFunction } from 'node:net';
import { connect } from 'node:tls';
import WebSocket from 'ws';
import type { SocketLike } from '../../src/sdk/socket.ts';

/** A TLS proxy a test started (test/support/caddy.ts, nginx.ts): its name and https port. */
export interface TestProxy {
  domain: string;
  port: number;
  stop(): Promise<void>;
}


/** Whether the certificate chain served at 127.0.0.1:`port` for `domain` validates against `ca`. */
export function tlsHandshakes(port: number, domain: string, ca: string): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host: '127.0.0.1', port, servername: domain, ca }, () => {
      resolve(sock.authorized);
      sock.end();
    });
    sock.on('error', () => resolve(false));
  });
}

/** Where and how to reach the proxy: its name, https port and CA (PEM). */
export interface ProxyTarget {
  domain: string;
  port: number;
  ca: string;
}

/** Resolves any name to 127.0.0.1 (the test domain). */
export const loopbackLookup = ((_host: string, options: { all?: boolean }, cb: (...a: unknown[]) => void) => {
  if (options?.all) cb(null, [{ address: '127.0.0.1', family: 4 }]);
  else cb(null, '127.0.0.1', 4);
}) as unknown as LookupFunction;

/** The SDK's socket factory over the proxy (createChat({ socketFactory })). */
export function wssFactory(target: ProxyTarget): (url: string) => SocketLike {
  return (url) => new WebSocket(url, { ca: target.ca, lookup: loopbackLookup }) as unknown as SocketLike;
}

/** POST /api/register through the proxy from the source address `from`; the HTTP status. */
export function registerThrough(target: ProxyTarget, from: string, userID: string, password: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port: target.port,
        servername: target.domain,
        ca: target.ca,
        localAddress: from,
        method: 'POST',
        path: '/api/register',
        headers: { host: `${target.domain}:${target.port}`, 'content-type': 'application/json', ...headers },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ userID, password }));
  });
}
