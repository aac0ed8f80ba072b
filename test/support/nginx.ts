/**
 * nginx in front of a Ringlet server for the TLS tests, from the repository's
 * deploy/nginx-ringlet.conf with what an admin edits replaced (the name, the certificate,
 * the ports; IPv4 loopback only), on free high ports, with a certificate for the test
 * domain signed by a CA made for the run (openssl): nothing system-wide.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePorts } from '../../src/server/sfu/free-ports.ts';
import { tlsHandshakes, type TestProxy } from './tls-client.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const NGINX = process.env.NGINX_PATH ?? '/usr/sbin/nginx';

export interface TestNginx extends TestProxy {
  /** The run's CA certificate (PEM). */
  caPem: string;
}

/** A CA and a certificate for `domain` signed by it, in `dir`: ca.crt, fullchain.pem, privkey.pem. */
function makeCertificate(dir: string, domain: string): void {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=Ringlet test CA');
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'privkey.pem', '-out', 'leaf.csr', '-subj', `/CN=${domain}`);
  writeFileSync(join(dir, 'san.ext'), `subjectAltName=DNS:${domain}\n`);
  ssl('x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'leaf.crt', '-days', '2', '-extfile', 'san.ext');
  writeFileSync(join(dir, 'fullchain.pem'), readFileSync(join(dir, 'leaf.crt'), 'utf8') + readFileSync(join(dir, 'ca.crt'), 'utf8'));
}

/** Starts deploy/nginx-ringlet.conf for `domain` → the server at `upstream` and Janus at `janus` (host:port). */
export async function startTestNginx(opts: { domain: string; upstream: string; janus: string }): Promise<TestNginx> {
  const dir = mkdtempSync(join(tmpdir(), 'ringlet-nginx-'));
  makeCertificate(dir, opts.domain);
  const [port, httpPort] = (await freePorts(2)) as [number, number];
  const site = readFileSync(join(ROOT, 'deploy/nginx-ringlet.conf'), 'utf8')
    .replace(/^\s*listen \[::\]:\d+.*$/gm, '')
    .replace('listen 443 ssl;', `listen 127.0.0.1:${port} ssl;`)
    .replace('listen 80;', `listen 127.0.0.1:${httpPort};`)
    .replaceAll('ringlet.example.org', opts.domain)
    .replace(`/etc/letsencrypt/live/${opts.domain}/fullchain.pem`, join(dir, 'fullchain.pem'))
    .replace(`/etc/letsencrypt/live/${opts.domain}/privkey.pem`, join(dir, 'privkey.pem'))
    .replace('http://127.0.0.1:8787', `http://${opts.upstream}`)
    .replace('http://127.0.0.1:8188/', `http://${opts.janus}/`);
  writeFileSync(join(dir, 'site.conf'), site);
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `${t}_temp_path ${join(dir, t)};`).join('\n  ');
  // Run as root (the tests' user here), the workers would be `nobody`, who cannot use
  // this private folder: they stay the test's user.
  const user = process.getuid?.() === 0 ? 'user root;\n' : '';
  writeFileSync(join(dir, 'nginx.conf'), `${user}worker_processes 1;\npid ${join(dir, 'nginx.pid')};\nerror_log ${join(dir, 'error.log')} warn;\nevents {}\nhttp {\n  access_log off;\n  ${temp}\n  include ${join(dir, 'site.conf')};\n}\n`);
  const proc = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const caPem = readFileSync(join(dir, 'ca.crt'), 'utf8');
  const stop = async () => {
    if (proc.exitCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGQUIT');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const end = Date.now() + 15_000;
  while (!(await tlsHandshakes(port, opts.domain, caPem))) {
    if (proc.exitCode !== null || Date.now() > end) {
      const log = `${output}${(() => { try { return readFileSync(join(dir, 'error.log'), 'utf8'); } catch { return ''; } })()}`;
      await stop();
      throw new Error(`nginx did not serve TLS on ${port}:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { port, domain: opts.domain, caPem, stop };
}
