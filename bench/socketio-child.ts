/**
 * The reference a user would otherwise pick: a Socket.IO signaling relay, as in most
 * WebRTC tutorials (a `join` per user, then events relayed to the addressee's room).
 *
 * Protocol: the client connects with `auth: { user }` (no check of any kind) and joins the
 * room of that user; every `signal` event `{ to, ... }` is emitted unchanged as `signal`
 * to the room of `to`. Nothing is stored and nothing is validated. WebSocket transport
 * only (no long-polling upgrade dance), no per-message deflate: the fairest setup.
 *
 * Run by bench/run.ts as a child process; answers `cpu`, `mem`, `sigs`, `exit` over IPC.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { emit, processStatsHandlers, serve } from './ipc.ts';
import { profilerHandlers } from './profiler.ts';

const http = createServer();
const io = new Server(http, { transports: ['websocket'], perMessageDeflate: false, serveClient: false });

io.on('connection', (socket) => {
  const user = (socket.handshake.auth as { user?: unknown }).user;
  if (typeof user !== 'string') { socket.disconnect(true); return; }
  void socket.join(`u:${user}`);
  socket.on('signal', (msg: { to?: unknown }) => {
    if (typeof msg?.to === 'string') socket.to(`u:${msg.to}`).emit('signal', msg);
  });
  socket.emit('ready');
});

http.listen(0, '127.0.0.1', () => {
  const { port } = http.address() as AddressInfo;
  serve({
    ...processStatsHandlers(),
    ...profilerHandlers(),
    /** No accounts: every login token is empty. */
    sigs: (args: { ids: string[] }) => args.ids.map(() => ''),
    sessions: () => ({ sockets: io.engine.clientsCount }),
    exit: () => { setImmediate(() => io.close(() => process.exit(0))); return true; },
  });
  emit('ready', { url: `http://127.0.0.1:${port}`, kind: 'socketio' });
});
