/**
 * What the journal and the writer thread of issue 19 would cost, measured before building
 * them: the pieces alone, on this machine, with the server's SQLite settings.
 *
 *   npx tsx bench/journal-hop.ts [transitions=20000]
 *
 * 1. Journal commits on the main thread: one row per transition (a transition's effects,
 *    recipients and reply as JSON, about the size of today's rows together), committed
 *    alone or K at a time: µs per transition and WAL pages per transition (the WAL file's
 *    growth, checkpoints off).
 * 2. The thread hop: a transition posted to a worker thread that owns its own connection,
 *    appends it to the journal and answers. Lone round trips (one in flight: the hop plus
 *    one commit), then a flood (everything in flight at once): the worker commits whatever
 *    arrived while its last commit ran (natural batching: no timer), so a busy writer
 *    batches by itself. Reports the hop's round trip, the batch sizes it formed, and the
 *    CPU of both threads per transition.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';

const N = Number(process.argv[2] ?? 20000);
const dir = mkdtempSync(join(tmpdir(), 'ringlet-journal-'));
const PAGE = 1024;

/** A transition's record: the size of what an invite writes today (frames, message, reply). */
function record(i: number): string {
  const id = `0193a${String(i).padStart(31, '0')}`;
  return JSON.stringify({
    req: { user: `c${i % 150}a`, id: `r${i}`, reply: { code: 0, data: { inviteID: id, message: { ID: `m${i}`, conversationID: `C2Cc${i % 150}b`, time: 1733556000 + i, payload: { data: 'x'.repeat(180) } } } } },
    inv: { inviteID: id, inviter: `c${i % 150}a`, inviteeList: [`c${i % 150}b`], state: 'open', deadline: 1733556030000 + i },
    events: [{ to: [`c${i % 150}b`], seq: [i], frame: 'y'.repeat(450) }, { to: [`c${i % 150}a`], seq: [i], frame: 'z'.repeat(300) }],
  });
}

function open(file: string): Database.Database {
  const db = new Database(file);
  db.pragma(`page_size = ${PAGE}`);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('CREATE TABLE IF NOT EXISTS journal (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
  return db;
}

function mainThread(k: number): { usPerTransition: number; pagesPerTransition: number; pagesPerCommit: number } {
  const file = join(dir, `main-${k}.sqlite`);
  const db = open(file);
  const ins = db.prepare('INSERT INTO journal (body) VALUES (?)');
  const begin = db.prepare('BEGIN IMMEDIATE'), commit = db.prepare('COMMIT');
  const rows = Array.from({ length: N }, (_, i) => record(i));
  const wal0 = statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0;
  const c0 = process.cpuUsage();
  for (let i = 0; i < N; i += k) {
    begin.run();
    for (let j = i; j < Math.min(N, i + k); j++) ins.run(rows[j]);
    commit.run();
  }
  const c = process.cpuUsage(c0);
  const frames = ((statSync(`${file}-wal`).size - wal0) / (PAGE + 24));
  db.close();
  return { usPerTransition: round((c.user + c.system) / N), pagesPerTransition: round(frames / N), pagesPerCommit: round(frames / Math.ceil(N / k)) };
}

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.file);
db.pragma('page_size = ${PAGE}'); db.pragma('journal_mode = WAL'); db.pragma('synchronous = NORMAL'); db.pragma('wal_autocheckpoint = 0');
db.exec('CREATE TABLE IF NOT EXISTS journal (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
const ins = db.prepare('INSERT INTO journal (body) VALUES (?)');
const begin = db.prepare('BEGIN IMMEDIATE'), commit = db.prepare('COMMIT');
let queue = [], scheduled = false, batches = 0, rows = 0;
function flush() {
  scheduled = false;
  const batch = queue; queue = [];
  begin.run();
  const ids = [];
  for (const m of batch) ids.push(Number(ins.run(m.body).lastInsertRowid));
  commit.run();
  batches++; rows += batch.length;
  parentPort.postMessage({ done: batch.map((m, i) => [m.n, ids[i]]) });
}
parentPort.on('message', (m) => {
  if (m === 'stats') { parentPort.postMessage({ stats: { batches, rows, cpu: process.cpuUsage() } }); batches = 0; rows = 0; return; }
  queue.push(m);
  // Whatever arrives while this turn runs joins the batch; the commit waits for nothing else.
  if (!scheduled) { scheduled = true; setImmediate(flush); }
});
`;

async function hop(): Promise<Record<string, unknown>> {
  const module = createRequire(import.meta.url).resolve('better-sqlite3');
  const w = new Worker(WORKER, { eval: true, workerData: { file: join(dir, 'worker.sqlite'), module } });
  const waiting = new Map<number, (id: number) => void>();
  let statsWaiter: ((s: { batches: number; rows: number; cpu: NodeJS.CpuUsage }) => void) | null = null;
  w.on('message', (m: { done?: Array<[number, number]>; stats?: { batches: number; rows: number; cpu: NodeJS.CpuUsage } }) => {
    if (m.stats) statsWaiter?.(m.stats);
    for (const [n, id] of m.done ?? []) { waiting.get(n)?.(id); waiting.delete(n); }
  });
  const send = (n: number) => new Promise<number>((resolve) => { waiting.set(n, resolve); w.postMessage({ n, body: record(n) }); });
  const stats = () => new Promise<{ batches: number; rows: number; cpu: NodeJS.CpuUsage }>((r) => { statsWaiter = r; w.postMessage('stats'); });
  for (let i = 0; i < 500; i++) await send(i); // warm
  await stats();
  const lone: number[] = [];
  const loneN = Math.min(N, 5000);
  for (let i = 0; i < loneN; i++) {
    const t0 = performance.now();
    await send(i);
    lone.push((performance.now() - t0) * 1000);
  }
  const s1 = await stats();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: N }, (_, i) => send(i)));
  const wall = performance.now() - t0;
  const mainCpu = process.cpuUsage(c0);
  const s2 = await stats();
  await w.terminate();
  lone.sort((a, b) => a - b);
  const q = (p: number) => round(lone[Math.floor(p * (lone.length - 1))]!);
  return {
    lone: { n: loneN, p50us: q(0.5), p99us: q(0.99), batches: s1.batches },
    flood: {
      n: N, perSecond: Math.round(N / (wall / 1000)), batches: s2.batches, meanBatch: round(s2.rows / Math.max(1, s2.batches)),
      mainCpuUsPerTransition: round((mainCpu.user + mainCpu.system) / N),
    },
  };
}

function round(v: number): number { return Math.round(v * 100) / 100; }

try {
  for (const k of [1, 4, 16, 64]) console.log(`main thread, ${k} per commit: ${JSON.stringify(mainThread(k))}`);
  console.log(`worker hop: ${JSON.stringify(await hop())}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
