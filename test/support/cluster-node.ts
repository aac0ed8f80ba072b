/**
 * One Ringlet node as a child process (cluster tests and the cluster bench):
 *   RINGLET_NODE='{"storage":"postgres://…","redis":"redis://…","secret":"…","port":0}' tsx test/support/cluster-node.ts
 * Prints one line `READY <port>` on stdout once listening; on SIGTERM (or an IPC 'close')
 * it closes cleanly. SIGKILL is the crash the tests want.
 */
import { startServer, type ServerOptions } from '../../src/server/index.ts';

const options = JSON.parse(process.env.RINGLET_NODE ?? '{}') as ServerOptions;
const server = await startServer({ host: '127.0.0.1', ...options });
process.stdout.write(`READY ${server.port}\n`);

let closing = false;
async function shutdown(): Promise<void> {
  if (closing) return;
  closing = true;
  await server.close().catch(() => undefined);
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
process.on('message', (m) => {
  if (m === 'close') void shutdown();
});
// The parent died without telling us: do not linger.
process.on('disconnect', () => void shutdown());
