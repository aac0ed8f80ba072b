/**
 * The admin socket: a Unix socket in the data folder (mode 0600, in a 0700 folder) where
 * the admin command asks a running node who is online. It answers that one read-only
 * question and takes no commands: account changes go through the store (auth/admin.ts),
 * so no listener can change anything and there is no secret to keep. Only the server's OS
 * user (and root) can connect.
 */
import { chmodSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { allUsers } from '../auth/admin.ts';
import type { Bus } from '../hub/types.ts';
import type { Store } from '../store/types.ts';

/** Users asked of the bus at once. */
const PAGE = 500;

export interface AdminSocket {
  close(): Promise<void>;
}

/** Every user with a session on any node (the bus knows the whole cluster's presence). */
async function online(store: Store, bus: Bus): Promise<string[]> {
  const out: string[] = [];
  let batch: string[] = [];
  const flush = async () => {
    const present = await bus.online(batch);
    out.push(...batch.filter((u) => present.has(u)));
    batch = [];
  };
  for await (const u of allUsers(store)) {
    if (u.deletedAt !== null) continue;
    batch.push(u.userID);
    if (batch.length === PAGE) await flush();
  }
  await flush();
  return out;
}

export async function adminSocket(path: string, deps: { store: Store; bus: Bus }): Promise<AdminSocket> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/online') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'GET /online only' }));
      return;
    }
    online(deps.store, deps.bus).then(
      (users) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ online: users })),
      (err: unknown) => res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: String(err) })),
    );
  });
  // A socket file left by a node that did not stop cleanly.
  rmSync(path, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  chmodSync(path, 0o600);
  return {
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
