/**
 * A real user's sign-in latency while 64 connections flood /api/login with guesses
 * (issue 8 item 3). Indicative only: server and flood share this process and machine.
 *
 *   npx tsx bench/accounts-flood.ts
 *
 * Three runs: no flood; a flood against default limits (its address soon gets locked);
 * a flood with the address lock turned off, so only the bounded hashing pool stands
 * between the flood and everyone else.
 */
import { request } from 'node:http';
import { startServer, type ServerOptions } from '../src/server/index.ts';

function post(base: string, path: string, body: unknown, from: string): Promise<{ status: number }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, localAddress: from, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function run(label: string, flood: boolean, options: ServerOptions): Promise<void> {
  const server = await startServer({ port: 0, ...options });
  const base = server.httpUrl;
  await post(base, '/api/register', { userID: 'real', password: 'correct horse' }, '127.0.0.3');
  let stop = false;
  const statuses = new Map<number, number>();
  const workers = flood
    ? Array.from({ length: 64 }, async (_, w) => {
        for (let i = 0; !stop; i++) {
          const r = await post(base, '/api/login', { userID: `ghost-${w}-${i}`, password: 'guess-guess' }, '127.0.0.2').catch(() => ({ status: 0 }));
          statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        }
      })
    : [];
  const times: number[] = [];
  let ok = 0;
  for (let i = 0; i < 30; i++) {
    const t0 = performance.now();
    if ((await post(base, '/api/login', { userID: 'real', password: 'correct horse' }, '127.0.0.3')).status === 200) ok++;
    times.push(performance.now() - t0);
  }
  stop = true;
  await Promise.all(workers);
  await server.close();
  const flooded = [...statuses].map(([s, n]) => `${s}×${n}`).join(' ');
  console.log(`${label.padEnd(34)} real sign-ins ok ${ok}/30  p50 ${pct(times, 50).toFixed(0)} ms  p95 ${pct(times, 95).toFixed(0)} ms${flood ? `  flood answers: ${flooded}` : ''}`);
}

await run('no flood', false, {});
await run('64-connection flood, default limits', true, {});
await run('64-connection flood, no address lock', true, { accountLimits: { addressFreeFailures: 1e9 } });
