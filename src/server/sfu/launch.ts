/**
 * Runs a private Janus for Ringlet: writes a config folder of its own (only the videoroom
 * plugin and the WebSocket transport, an admin_key so only this server creates rooms,
 * its own ports, a short session timeout so vanished participants are dropped) and spawns
 * `janus` with it. Used by `npm start` when Janus is installed, by tests and the bench.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import WebSocket from 'ws';

export interface LaunchOptions {
  /** Folder for the generated configuration (created). */
  dir: string;
  /** WebSocket API port; 0 picks a free one. */
  port?: number;
  /** Address the WebSocket API listens on. Default 127.0.0.1. */
  host?: string;
  /** RTP/ICE UDP port range, e.g. "20000-20999". Default: the system's. */
  rtpPortRange?: string;
  /** Only these interfaces for ICE (e.g. "lo" in tests). */
  iceInterfaces?: string;
  /** Seconds without a keepalive before Janus drops a session (its participants leave). Default 20. */
  sessionTimeout?: number;
  /** Janus debug level 0–7. Default 2 (errors and warnings... of the worst kind). */
  debugLevel?: number;
  binary?: string;
}

export interface LaunchedJanus {
  /** ws://host:port of its WebSocket API. */
  url: string;
  adminKey: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** The `janus` binary on PATH, or null when Janus is not installed. */
export function findJanus(): string | null {
  const r = spawnSync('sh', ['-c', 'command -v janus'], { encoding: 'utf8' });
  const path = r.status === 0 ? r.stdout.trim() : '';
  return path || null;
}

/** Where the distribution keeps Janus's plugins and transports. */
function libFolder(): string {
  const multiarch = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu', arm: 'arm-linux-gnueabihf' }[process.arch as string] ?? '';
  const candidates = [process.env.RINGLET_JANUS_LIB, `/usr/lib/${multiarch}/janus`, '/usr/lib/janus', '/usr/local/lib/janus', '/opt/janus/lib/janus'];
  for (const c of candidates) if (c && existsSync(join(c, 'plugins'))) return c;
  throw new Error('Janus is installed but its plugins folder was not found; set RINGLET_JANUS_LIB');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function writeJanusConfig(o: LaunchOptions & { port: number; adminKey: string }): void {
  const lib = libFolder();
  mkdirSync(o.dir, { recursive: true, mode: 0o700 });
  const q = (s: string) => JSON.stringify(s);
  const files: Record<string, string> = {
    'janus.jcfg': `general: {
  configs_folder = ${q(o.dir)}
  plugins_folder = ${q(join(lib, 'plugins'))}
  transports_folder = ${q(join(lib, 'transports'))}
  events_folder = ${q(join(lib, 'events'))}
  loggers_folder = ${q(join(lib, 'loggers'))}
  debug_level = ${o.debugLevel ?? 2}
  session_timeout = ${o.sessionTimeout ?? 20}
  reclaim_session_timeout = 0
}
media: {
${o.rtpPortRange ? `  rtp_port_range = ${q(o.rtpPortRange)}\n` : ''}}
nat: {
  nice_debug = false
${o.iceInterfaces ? `  ice_enforce_list = ${q(o.iceInterfaces)}\n` : ''}}
plugins: {
  disable = "libjanus_audiobridge.so,libjanus_duktape.so,libjanus_echotest.so,libjanus_lua.so,libjanus_nosip.so,libjanus_recordplay.so,libjanus_sip.so,libjanus_streaming.so,libjanus_textroom.so,libjanus_videocall.so,libjanus_voicemail.so"
}
transports: {
  disable = "libjanus_http.so,libjanus_pfunix.so,libjanus_mqtt.so,libjanus_nanomsg.so,libjanus_rabbitmq.so"
}
events: {
  broadcast = false
}
loggers: {
}
`,
    'janus.transport.websockets.jcfg': `general: {
  json = "plain"
  ws = true
  ws_port = ${o.port}
  ws_ip = ${q(o.host ?? '127.0.0.1')}
  wss = false
}
admin: {
  admin_ws = false
  admin_wss = false
}
`,
    'janus.plugin.videoroom.jcfg': `general: {
  admin_key = ${q(o.adminKey)}
  lock_rtp_forward = true
}
`,
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(o.dir, name), text, { mode: 0o600 });
}

async function waitForWebSocket(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`janus exited with code ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const ws = new WebSocket(url, 'janus-protocol');
      ws.once('open', () => {
        ws.close();
        resolve(true);
      });
      ws.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`janus did not open ${url} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts Janus with a generated config and waits until its WebSocket API answers. */
export async function launchJanus(o: LaunchOptions): Promise<LaunchedJanus> {
  const binary = o.binary ?? findJanus();
  if (!binary) throw new Error('janus is not installed');
  const port = o.port || (await freePort());
  const host = o.host ?? '127.0.0.1';
  const adminKey = randomBytes(24).toString('base64url');
  writeJanusConfig({ ...o, port, adminKey });
  const child = spawn(binary, ['-F', o.dir, '-C', join(o.dir, 'janus.jcfg'), '-o'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (b: Buffer) => {
    output = (output + b.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const url = `ws://${host.includes(':') ? `[${host}]` : host}:${port}`;
  try {
    await waitForWebSocket(url, child, 30_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${output}`);
  }
  return {
    url,
    adminKey,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}
