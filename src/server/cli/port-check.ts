/** Whether a TCP port can be listened on, asked before doing any work that needs it. */
import { createServer } from 'node:net';

/** The listen error (EADDRINUSE, EACCES, …) of `host:port`, or null when it is free. Port 0 is always free. */
export function portBusy(port: number, host: string): Promise<NodeJS.ErrnoException | null> {
  if (port === 0) return Promise.resolve(null);
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => resolve(err));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(null)));
  });
}
