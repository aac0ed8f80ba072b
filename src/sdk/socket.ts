/**
 * The WebSocket the SDK runs on: the platform's own in browsers and workers; in Node 20
 * (which has none) the `ws` package, loaded lazily so bundles for browsers never pull it in.
 */
import type { SocketLike } from '../protocol/socket.ts';

export type { SocketLike };
/** Opens the SDK's socket to the server. */
export type SocketFactory = (url: string) => SocketLike;

let nodeFactory: Promise<SocketFactory> | null = null;

export function defaultSocketFactory(): Promise<SocketFactory> {
  const Native = (globalThis as { WebSocket?: new (url: string) => SocketLike }).WebSocket;
  if (Native) return Promise.resolve((url) => new Native(url));
  nodeFactory ??= (async () => {
    const name = 'ws';
    const mod = (await import(/* @vite-ignore */ name)) as { default: new (url: string) => SocketLike };
    return (url: string) => new mod.default(url);
  })();
  return nodeFactory;
}
