/**
 * Runs a private Janus for Ringlet: a config folder of its own (janus-config.ts: token_auth,
 * the Admin API on loopback behind a random admin_secret, a random videoroom admin_key,
 * its own ports, a short session timeout so vanished participants are dropped) and the
 * `janus` process, under its own descriptor limit and, when the server runs as root, as
 * an unprivileged user. Used by `npm start` (through supervisor.ts), tests and the bench.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { freePorts } from './free-ports.ts';
import { janusConfigFiles, type JanusConfigInput } from './janus-config.ts';
import type { SfuOptions } from './service.ts';

export interface LaunchOptions {
  /** Folder for the generated configuration (created), when Janus runs as the server's own user. */
  dir: string;
  /** WebSocket API port; 0 picks a free one. */
  port?: number;
  /** Address the WebSocket API listens on. Default 127.0.0.1. */
  host?: string;
  /** Admin API port (always on 127.0.0.1); 0 or unset picks a free one. */
  adminPort?: number;
  /** RTP/ICE UDP port range, e.g. "20000-20999". Default: the system's. */
  rtpPortRange?: string;
  /** Only these interfaces for ICE (e.g. "lo" in tests). */
  iceInterfaces?: string;
  /** Seconds without a keepalive before Janus drops a session (its participants leave). Default 20. */
  sessionTimeout?: number;
  /** Janus debug level 0–7. Default 2 (errors and warnings... of the worst kind). */
  debugLevel?: number;
  binary?: string;
  /**
   * The user Janus runs as when the server runs as root (a name). Default: `ringlet-janus`
   * when that user exists, else `nobody`. Ignored when the server is not root (Janus then
   * runs as the server's user: it cannot switch).
   */
  user?: string;
  /** Janus's open-file limit (soft and hard), its own, whatever the server's is. Default 4096. */
  maxFiles?: number;
  /**
   * Run Janus in its own process group, so that the terminal's Ctrl+C reaches only the
   * server, which then stops Janus itself after closing its rooms (`npm start`). Default false.
   */
  ownProcessGroup?: boolean;
}

/** Who Janus runs as. */
export interface JanusIdentity {
  name: string;
  uid: number;
  gid: number;
}

/** A prepared Janus: its folder, ports and secrets; spawned (again, after a crash) with `spawnJanus`. */
export interface JanusSetup extends Pick<JanusConfigInput, 'dir' | 'adminSecret' | 'adminKey'> {
  /** ws://host:port of its WebSocket API. */
  url: string;
  /** ws://127.0.0.1:port of its Admin API. */
  adminUrl: string;
  binary: string;
  /** Null: the server's own user. */
  identity: JanusIdentity | null;
  maxFiles: number;
  ownProcessGroup: boolean;
  /** Removes a folder this setup created for itself (an unprivileged Janus's). */
  cleanup(): void;
}

export interface LaunchedJanus extends JanusSetup {
  process: ChildProcess;
  /** What `startServer({ sfu })` needs to drive this Janus. */
  readonly sfu: SfuOptions;
  stop(): Promise<void>;
}

export const DEFAULT_MAX_FILES = 4096;

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

function idOf(name: string, flag: '-u' | '-g'): number | null {
  const r = spawnSync('id', [flag, name], { encoding: 'utf8' });
  const n = Number(r.stdout.trim());
  return r.status === 0 && Number.isInteger(n) ? n : null;
}

/**
 * The unprivileged user for Janus when this process is root; null when it is not (Janus
 * runs as this process's user). Throws when the named user does not exist.
 */
export function janusIdentity(user: string | undefined): JanusIdentity | null {
  if (process.getuid?.() !== 0) return null;
  const name = user ?? (idOf('ringlet-janus', '-u') !== null ? 'ringlet-janus' : 'nobody');
  const uid = idOf(name, '-u');
  const gid = idOf(name, '-g');
  if (uid === null || gid === null) throw new Error(`the user ${name} for Janus does not exist (create it: useradd --system --no-create-home --shell /usr/sbin/nologin ${name})`);
  if (uid === 0) throw new Error(`refusing to run Janus as ${name}: that user is root`);
  return { name, uid, gid };
}

/** Writes the config folder (with fresh secrets and ports) for a Janus that `spawnJanus` starts. */
export async function prepareJanus(o: LaunchOptions): Promise<JanusSetup> {
  const binary = o.binary ?? findJanus();
  if (!binary) throw new Error('janus is not installed');
  const identity = janusIdentity(o.user);
  // An unprivileged Janus cannot reach into the server's private data folder: its config
  // (secrets included) goes to a folder of its own, readable by that user alone.
  const dir = identity ? mkdtempSync(join(tmpdir(), 'ringlet-janus-')) : o.dir;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const [freeA, freeB] = await freePorts(2);
  const port = o.port || freeA!;
  const adminPort = o.adminPort || freeB!;
  const host = o.host ?? '127.0.0.1';
  const setup = {
    url: `ws://${host.includes(':') ? `[${host}]` : host}:${port}`,
    adminUrl: `ws://127.0.0.1:${adminPort}`,
    adminSecret: randomBytes(24).toString('base64url'),
    adminKey: randomBytes(24).toString('base64url'),
    dir, binary, identity,
    maxFiles: o.maxFiles ?? DEFAULT_MAX_FILES,
    ownProcessGroup: o.ownProcessGroup === true,
    cleanup: () => {
      if (identity) rmSync(dir, { recursive: true, force: true });
    },
  };
  const files = janusConfigFiles({
    dir, lib: libFolder(), port, host, adminPort, adminSecret: setup.adminSecret, adminKey: setup.adminKey,
    sessionTimeout: o.sessionTimeout ?? 20, debugLevel: o.debugLevel ?? 2,
    ...(o.rtpPortRange ? { rtpPortRange: o.rtpPortRange } : {}),
    ...(o.iceInterfaces ? { iceInterfaces: o.iceInterfaces } : {}),
  });
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(join(dir, name), text, { mode: 0o600 });
    if (identity) chownSync(join(dir, name), identity.uid, identity.gid);
  }
  if (identity) chownSync(dir, identity.uid, identity.gid);
  return setup;
}

/** Starts `janus` on a prepared folder: its own open-file limit, its own user when we are root. */
export function spawnJanus(s: JanusSetup): { child: ChildProcess; output: () => string } {
  // The shell sets the limit (soft and hard) for itself and execs Janus, which keeps it.
  const args = ['-c', 'ulimit -n "$1" && shift && exec "$@"', 'sh', String(s.maxFiles), s.binary, '-F', s.dir, '-C', join(s.dir, 'janus.jcfg'), '-o'];
  const child = spawn('sh', args, {
    cwd: s.dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: s.ownProcessGroup,
    ...(s.identity ? { uid: s.identity.uid, gid: s.identity.gid, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: s.dir } } : {}),
  });
  let output = '';
  const keep = (b: Buffer) => {
    output = (output + b.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, output: () => output };
}

/** Resolves once Janus's WebSocket API answers; throws if the process exits first or after `timeoutMs`. */
export async function waitForJanus(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`janus exited (${child.exitCode ?? child.signalCode})`);
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

/** Stops a Janus process: SIGTERM, then SIGKILL after 5 s. */
export function stopProcess(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}

/** What the Ringlet server needs to drive a prepared Janus. */
export function sfuOptionsOf(s: JanusSetup): SfuOptions {
  return { url: s.url, adminKey: s.adminKey, admin: { url: s.adminUrl, secret: s.adminSecret } };
}

/** Starts Janus with a generated config and waits until its WebSocket API answers (no restarts: supervisor.ts). */
export async function launchJanus(o: LaunchOptions): Promise<LaunchedJanus> {
  const setup = await prepareJanus(o);
  const { child, output } = spawnJanus(setup);
  try {
    await waitForJanus(setup.url, child, 30_000);
  } catch (err) {
    child.kill('SIGKILL');
    setup.cleanup();
    throw new Error(`${(err as Error).message}\n${output()}`);
  }
  return {
    ...setup,
    process: child,
    sfu: sfuOptionsOf(setup),
    stop: async () => {
      await stopProcess(child);
      setup.cleanup();
    },
  };
}
