/**
 * A real user's sign-in latency while 64 connections flood /api/login with guesses
 * (issue 8 item 3). The flood runs in a child process over kept-alive connections; the
 * server and the real user in this one. Indicative only on a shared machine.
 *
 *   npx tsx bench/accounts-flood.ts
 *
 * Three runs: no flood; a flood against default limits (its address soon gets locked);
 * a flood with the address lock turned off, so only the bounded hashing pool stands
 * between the flood and everyone else.
 */
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { startServer, type ServerOptions } from '../src/server/index.ts';

function post(base: string, path: string, body: unknown, from: string, agent: Agent | false = false): Promise<{ status: number }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, ...(agent ? { agent } : { localAddress: from, agent }) }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

/** The flood (child process): 64 kept-alive connections guessing until killed; prints its answers' statuses on SIGTERM. */
async function flood(base: string): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 64, localAddress: '127.0.0.2' });
  const statuses = new Map<number, number>();
  process.on('SIGTERM', () => {
    process.stdout.write(`${[...statuses].map(([s, n]) => `${s}×${n}`).join(' ')}\n`);
    process.exit(0);
  });
  process.stdout.write('started\n');
  await Promise.all(Array.from({ length: 64 }, async (_, w) => {
    for (let i = 0; ; i++) {
      const r = await post(base, '/api/login', { userID: `ghost-${w}-${i}`, password: 'guess-guess' }, '127.0.0.2', agent).catch(() => ({ status: 0 }));
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    }
  }));
}

async function run(label: string, withFlood: boolean, options: ServerOptions): Promise<void> {
  const server = await startServer({ port: 0, ...options });
  const base = server.httpUrl;
  await post(base, '/api/register', { userID: 'real', password: 'correct horse' }, '127.0.0.3');
  let child: ReturnType<typeof spawn> | null = null;
  let out = '';
  if (withFlood) {
    child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), 'flood', base], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise<void>((r) => child!.stdout!.on('data', () => out.includes('started') && r()));
    // Let the flood reach its bounds before measuring.
    await new Promise((r) => setTimeout(r, 2000));
  }
  const times: number[] = [];
  let ok = 0;
  for (let i = 0; i < 30; i++) {
    const t0 = performance.now();
    if ((await post(base, '/api/login', { userID: 'real', password: 'correct horse' }, '127.0.0.3')).status === 200) ok++;
    times.push(performance.now() - t0);
  }
  if (child) {
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  await server.close();
  const answers = out.replace('started', '').trim();
  console.log(`${label.padEnd(38)} real sign-ins ok ${ok}/30  p50 ${pct(times, 50).toFixed(0)} ms  p95 ${pct(times, 95).toFixed(0)} ms${withFlood ? `  flood answers: ${answers}` : ''}`);
}

if (process.argv[2] === 'flood') {
  await flood(process.argv[3]!);
} else {
  await run('no flood', false, {});
  await run('64-connection flood, default limits', true, {});
  await run('64-connection flood, no address lock', true, { accountLimits: { addressFreeFailures: 1e9 } });
}
