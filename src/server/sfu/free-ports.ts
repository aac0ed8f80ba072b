import { createServer, type Server } from 'node:net';

/**
 * `n` distinct TCP ports on 127.0.0.1 that were free when asked. All `n` listeners are open
 * at once before any is closed: asking one at a time can be handed the same port twice (the
 * kernel may reuse a port as soon as it is closed), and a process told to listen on both then
 * fails to start.
 */
export async function freePorts(n: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const s = createServer();
      servers.push(s);
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(0, '127.0.0.1', resolve);
      });
    }
    return servers.map((s) => (s.address() as { port: number }).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => (s.listening ? s.close(r) : r(undefined)))));
  }
}

/** One TCP port on 127.0.0.1 that was free when asked. */
export async function freePort(): Promise<number> {
  return (await freePorts(1))[0]!;
}
