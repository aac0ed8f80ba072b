/**
 * The floor: a bare WebSocket relay on the same `ws` library as Ringlet.
 *
 * Protocol (JSON text frames):
 *  - first frame `{"t":"auth","user":"<id>"}` → reply `{"t":"ready"}`; no check of any kind.
 *  - every later frame `{"to":"<id>",...}` is forwarded unchanged to every socket of
 *    that user. Nothing is stored and nothing is validated beyond JSON.parse.
 *
 * Run by bench/run.ts as a child process; answers `cpu`, `mem`, `sigs`, `exit` over IPC.
 */
import { WebSocketServer, type WebSocket } from 'ws';
import { emit, processStatsHandlers, serve } from './ipc.ts';
import { profilerHandlers } from './profiler.ts';

const sockets = new Map<string, Set<WebSocket>>();

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });

wss.on('connection', (ws) => {
  let user: string | undefined;
  ws.on('message', (raw, isBinary) => {
    let msg: { t?: unknown; user?: unknown; to?: unknown };
    try { msg = JSON.parse(raw.toString()); } catch { ws.close(4000, 'bad json'); return; }
    if (user === undefined) {
      if (msg.t !== 'auth' || typeof msg.user !== 'string') { ws.close(4001, 'auth first'); return; }
      user = msg.user;
      let set = sockets.get(user);
      if (!set) sockets.set(user, (set = new Set()));
      set.add(ws);
      ws.send('{"t":"ready"}');
      return;
    }
    const targets = typeof msg.to === 'string' ? sockets.get(msg.to) : undefined;
    if (!targets) return;
    for (const t of targets) t.send(raw, { binary: isBinary });
  });
  ws.on('close', () => {
    if (user === undefined) return;
    const set = sockets.get(user);
    set?.delete(ws);
    if (set?.size === 0) sockets.delete(user);
  });
  ws.on('error', () => { /* closed below by ws */ });
});

wss.on('listening', () => {
  const addr = wss.address();
  if (typeof addr === 'string' || !addr) throw new Error('relay: no address');
  serve({
    ...processStatsHandlers(),
    ...profilerHandlers(),
    /** The relay has no accounts: every login token is empty. */
    sigs: (args: { ids: string[] }) => args.ids.map(() => ''),
    sessions: () => ({ users: sockets.size, sockets: wss.clients.size }),
    exit: () => { setImmediate(() => wss.close(() => process.exit(0))); return true; },
  });
  emit('ready', { url: `ws://127.0.0.1:${addr.port}`, kind: 'relay' });
});
