/**
 * Caddy in front of a Ringlet server for the TLS tests, run from the repository's own
 * deploy/Caddyfile as an admin would, with `local_certs` (Caddy's internal CA: `tls
 * internal` for the site), on free high ports, as the test's user, with its state (the CA)
 * in a temporary folder: nothing system-wide. The CA's root certificate and the base64
 * SHA-256 of its public key (what Chromium's --ignore-certificate-errors-spki-list takes)
 * let the clients trust it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePorts } from '../../src/server/sfu/free-ports.ts';
import { tlsHandshakes, type TestProxy } from './tls-client.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CADDY = process.env.CADDY_PATH ?? '/usr/bin/caddy';

export interface TestCaddy extends TestProxy {
  /** The internal CA's root certificate (PEM). */
  rootPem: string;
  /**
   * base64 SHA-256 of the SubjectPublicKeyInfo of the root and of the intermediate (the
   * flag matches the certificates the server sends, which are the leaf and intermediate),
   * comma-separated as Chromium's --ignore-certificate-errors-spki-list takes them.
   */
  spkiList: string;
}

async function poll<T>(probe: () => T | null | Promise<T | null>, what: string, timeoutMs: number, proc: ChildProcess, log: () => string): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== null) return v;
    if (proc.exitCode !== null) throw new Error(`caddy exited (${proc.exitCode}) before ${what}:\n${log()}`);
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}:\n${log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts deploy/Caddyfile for `domain` → the server at `upstream` and Janus at `janus` (host:port). */
export async function startTestCaddy(opts: { domain: string; port?: number; upstream: string; janus: string }): Promise<TestCaddy> {
  const dir = mkdtempSync(join(tmpdir(), 'ringlet-caddy-'));
  // Two distinct ports; the HTTP one must also differ from a caller's `port` (freed earlier).
  const [a, b] = (await freePorts(2)) as [number, number];
  const port = opts.port ?? a;
  const httpPort = b === port ? a : b;
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    XDG_DATA_HOME: join(dir, 'data'),
    XDG_CONFIG_HOME: join(dir, 'config'),
    RINGLET_DOMAIN: opts.domain,
    RINGLET_HTTPS_PORT: String(port),
    RINGLET_HTTP_PORT: String(httpPort),
    RINGLET_UPSTREAM: opts.upstream,
    RINGLET_JANUS: opts.janus,
    // Caddy's own CA for the site, never installed into the system's trust store; no
    // admin endpoint (a test stops Caddy by its pid); no port-80 redirect listener.
    RINGLET_CADDY_GLOBAL: 'local_certs\nskip_install_trust\nadmin off\nauto_https disable_redirects',
  };
  let output = '';
  const proc = spawn(CADDY, ['run', '--config', join(ROOT, 'deploy/Caddyfile'), '--adapter', 'caddyfile'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const stop = async () => {
    if (proc.exitCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const rootFile = join(dir, 'data/caddy/pki/authorities/local/root.crt');
    const rootPem = await poll(() => (existsSync(rootFile) ? readFileSync(rootFile, 'utf8') : null), "Caddy's internal CA", 30_000, proc, () => output);
    await poll(async () => ((await tlsHandshakes(port, opts.domain, rootPem)) ? true : null), `a certificate for ${opts.domain}`, 30_000, proc, () => output);
    const spkiHash = (pem: string) => createHash('sha256').update(new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' })).digest('base64');
    const intermediate = readFileSync(join(dir, 'data/caddy/pki/authorities/local/intermediate.crt'), 'utf8');
    return { port, domain: opts.domain, rootPem, spkiList: [rootPem, intermediate].map(spkiHash).join(','), stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
