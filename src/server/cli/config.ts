/**
 * Server configuration from flags and environment variables (flags win). Documented in
 * the README; `--help` prints the same table.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ServerOptions } from '../index.ts';

export const HELP = `Usage: npm start -- [options]

  --port <n>            RINGLET_PORT            default 8787
  --host <addr>         RINGLET_HOST            default 127.0.0.1
  --data <dir>          RINGLET_DATA_DIR        default ./data (SQLite file and generated secret)
  --store <url|path>    RINGLET_STORE           default <data>/ringlet.sqlite; or postgres://…
  --redis <url>         RINGLET_REDIS           cross-node bus for several gateway nodes
  --secret-file <path>  RINGLET_SECRET_FILE     UserSig signing secret (else RINGLET_SECRET, else <data>/secret.key)
  --no-registration     RINGLET_REGISTRATION=0  turn off password sign-up over HTTP
  --trust-proxy         RINGLET_TRUST_PROXY=1   client address from X-Forwarded-For (only behind a reverse proxy)
  --no-group-consent    RINGLET_GROUP_CONSENT=0 group adds take effect without the user's consent (only where all accounts trust each other)
  --stun <urls>         RINGLET_STUN            comma-separated stun: URLs handed to clients
  --turn <urls>         RINGLET_TURN            comma-separated turn:/turns: URLs
  --turn-secret-file <path> RINGLET_TURN_SECRET_FILE  coturn static-auth-secret (else RINGLET_TURN_SECRET)
  --sfu <auto|off|url>  RINGLET_SFU             default auto: start Janus if installed; off: mesh only; ws://… an external Janus
                                                (off with --redis unless given: every node then needs the same SFU setting)
  --sfu-port <n>        RINGLET_SFU_PORT        default 8188 (WebSocket API of the Janus started by auto)
  --sfu-admin-port <n>  RINGLET_SFU_ADMIN_PORT  its Admin API, on 127.0.0.1 only (default: a free port)
  --sfu-user <name>     RINGLET_SFU_USER        when run as root: Janus's user (default ringlet-janus if it exists, else nobody)
  --sfu-max-files <n>   RINGLET_SFU_MAX_FILES   Janus's own open-file limit (default 4096)
  --sfu-public-url <url> RINGLET_SFU_PUBLIC_URL  Janus URL handed to the extension (default: the one the server uses)
  --sfu-admin-url <url> RINGLET_SFU_ADMIN_URL   external Janus's Admin API (ws://…; it must run with token_auth)
  --sfu-admin-secret-file <path> RINGLET_SFU_ADMIN_SECRET_FILE  external Janus's admin_secret (else RINGLET_SFU_ADMIN_SECRET)
  --sfu-admin-key-file <path> RINGLET_SFU_ADMIN_KEY_FILE  external Janus's videoroom admin_key (else RINGLET_SFU_ADMIN_KEY)
  --log-level <level>   RINGLET_LOG_LEVEL       default info (trace|debug|info|warn|error|silent)
  --metrics <host:port> RINGLET_METRICS         serve Prometheus GET /metrics there (e.g. 127.0.0.1:9464); default off
  --admin-socket <path|off> RINGLET_ADMIN_SOCKET default <data>/admin.sock, where "npm run admin -- online" asks (docs/ADMIN.md)
  --build-extension                             build the extension into .output first, once the port is free (npm start)
`;

export interface CliConfig {
  options: ServerOptions;
  dataDir: string;
  /** Build the extension (npm run build:ext) after checking that the port is free: `npm start`. */
  buildExtension: boolean;
  /** auto: start the installed Janus with a generated config (start.ts); the url form is already in options.sfu. */
  sfu: { mode: 'auto'; port: number; adminPort: number; user?: string; maxFiles?: number; publicUrl?: string } | { mode: 'off' } | { mode: 'url' };
}

export function readConfig(argv: string[], env: NodeJS.ProcessEnv): CliConfig | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      data: { type: 'string' },
      store: { type: 'string' },
      redis: { type: 'string' },
      'secret-file': { type: 'string' },
      'no-registration': { type: 'boolean' },
      'no-group-consent': { type: 'boolean' },
      'trust-proxy': { type: 'boolean' },
      stun: { type: 'string' },
      turn: { type: 'string' },
      'turn-secret-file': { type: 'string' },
      'log-level': { type: 'string' },
      metrics: { type: 'string' },
      'admin-socket': { type: 'string' },
      sfu: { type: 'string' },
      'sfu-port': { type: 'string' },
      'sfu-admin-port': { type: 'string' },
      'sfu-user': { type: 'string' },
      'sfu-max-files': { type: 'string' },
      'sfu-public-url': { type: 'string' },
      'sfu-admin-url': { type: 'string' },
      'sfu-admin-secret-file': { type: 'string' },
      'sfu-admin-key-file': { type: 'string' },
      'build-extension': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const dataDir = resolve(values.data ?? env.RINGLET_DATA_DIR ?? 'data');
  const port = Number(values.port ?? env.RINGLET_PORT ?? 8787);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: not a TCP port: ${values.port ?? env.RINGLET_PORT}`);
  const options: ServerOptions = {
    port,
    host: values.host ?? env.RINGLET_HOST ?? '127.0.0.1',
    storage: values.store ?? env.RINGLET_STORE ?? join(dataDir, 'ringlet.sqlite'),
    dataDir,
    allowRegistration: !(values['no-registration'] || env.RINGLET_REGISTRATION === '0'),
    trustProxy: Boolean(values['trust-proxy']) || env.RINGLET_TRUST_PROXY === '1',
    groupConsent: !(values['no-group-consent'] || env.RINGLET_GROUP_CONSENT === '0'),
    logLevel: values['log-level'] ?? env.RINGLET_LOG_LEVEL ?? 'info',
  };
  const metrics = values.metrics ?? env.RINGLET_METRICS;
  if (metrics) options.metrics = hostPort(metrics);
  const adminSocket = values['admin-socket'] ?? env.RINGLET_ADMIN_SOCKET ?? join(dataDir, 'admin.sock');
  if (adminSocket !== 'off') options.adminSocket = resolve(adminSocket);
  const redis = values.redis ?? env.RINGLET_REDIS;
  if (redis) options.redis = redis;
  const list = (v: string | undefined) => (v ? v.split(',').map((x) => x.trim()).filter(Boolean) : undefined);
  const stun = list(values.stun ?? env.RINGLET_STUN);
  const turn = list(values.turn ?? env.RINGLET_TURN);
  const turnSecretFile = values['turn-secret-file'] ?? env.RINGLET_TURN_SECRET_FILE;
  const turnSecret = turnSecretFile ? readFileSync(turnSecretFile, 'utf8').trim() : env.RINGLET_TURN_SECRET;
  if (stun || turn) options.ice = { ...(stun ? { stun } : {}), ...(turn ? { turn } : {}), ...(turnSecret ? { turnSecret } : {}) };
  const secretFile = values['secret-file'] ?? env.RINGLET_SECRET_FILE;
  if (secretFile) options.secret = readSecretFile(secretFile);
  return { options, dataDir, buildExtension: values['build-extension'] === true, sfu: readSfu(values, env, options) };
}

function readSfu(values: Record<string, string | boolean | undefined>, env: NodeJS.ProcessEnv, options: ServerOptions): CliConfig['sfu'] {
  const str = (flag: string, name: string) => (values[flag] as string | undefined) ?? env[name];
  // A cluster gets an SFU only when asked: every node must then be started with one.
  const mode = str('sfu', 'RINGLET_SFU') ?? (options.redis ? 'off' : 'auto');
  const publicUrl = str('sfu-public-url', 'RINGLET_SFU_PUBLIC_URL');
  if (publicUrl && !/^wss?:\/\//.test(publicUrl)) throw new Error(`--sfu-public-url: not a ws:// or wss:// URL: ${publicUrl}`);
  if (mode === 'off') return { mode: 'off' };
  if (mode === 'auto') {
    const port = tcpPort('--sfu-port', str('sfu-port', 'RINGLET_SFU_PORT') ?? '8188');
    const adminPort = tcpPort('--sfu-admin-port', str('sfu-admin-port', 'RINGLET_SFU_ADMIN_PORT') ?? '0');
    const user = str('sfu-user', 'RINGLET_SFU_USER');
    const files = str('sfu-max-files', 'RINGLET_SFU_MAX_FILES');
    const maxFiles = files === undefined ? undefined : Number(files);
    if (maxFiles !== undefined && (!Number.isInteger(maxFiles) || maxFiles < 64)) throw new Error(`--sfu-max-files: expected an integer of at least 64, got ${files}`);
    return { mode: 'auto', port, adminPort, ...(user ? { user } : {}), ...(maxFiles ? { maxFiles } : {}), ...(publicUrl ? { publicUrl } : {}) };
  }
  if (!/^wss?:\/\//.test(mode)) throw new Error(`--sfu: expected auto, off or a ws:// URL, got ${mode}`);
  const keyFile = str('sfu-admin-key-file', 'RINGLET_SFU_ADMIN_KEY_FILE');
  const adminKey = keyFile ? readFileSync(keyFile, 'utf8').trim() : env.RINGLET_SFU_ADMIN_KEY;
  const adminUrl = str('sfu-admin-url', 'RINGLET_SFU_ADMIN_URL');
  const secretFile = str('sfu-admin-secret-file', 'RINGLET_SFU_ADMIN_SECRET_FILE');
  const adminSecret = secretFile ? readFileSync(secretFile, 'utf8').trim() : env.RINGLET_SFU_ADMIN_SECRET;
  // Without the Admin API the server cannot add per-grant tokens, and a Janus without
  // token_auth lets anyone open sessions (docs/SECURITY.md "The SFU").
  if (!adminUrl || !/^wss?:\/\//.test(adminUrl) || !adminSecret) throw new Error('--sfu ws://…: also give --sfu-admin-url ws://… and --sfu-admin-secret-file (Janus must run with token_auth; docs/SECURITY.md "The SFU")');
  options.sfu = { url: mode, admin: { url: adminUrl, secret: adminSecret }, ...(publicUrl ? { publicUrl } : {}), ...(adminKey ? { adminKey } : {}) };
  return { mode: 'url' };
}

function tcpPort(flag: string, v: string): number {
  const port = Number(v);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${flag}: not a TCP port: ${v}`);
  return port;
}

function readSecretFile(path: string): string {
  const secret = readFileSync(path, 'utf8').trim();
  if (secret.length < 32) throw new Error(`--secret-file: ${path} holds fewer than 32 characters`);
  return secret;
}

/** `host:port` or `[v6]:port` of --metrics. */
function hostPort(v: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(v);
  const port = Number(m?.[3]);
  if (!m || !Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--metrics: expected host:port, e.g. 127.0.0.1:9464, got ${v}`);
  return { host: m[1] ?? m[2]!, port };
}
