/**
 * Diagnostic: which SQLite B-trees (tables and indexes) one invite and one accept write.
 * Runs an in-process server on a temporary file; before each request a second connection
 * truncates the WAL (checkpoint TRUNCATE), after it the WAL holds exactly that request's
 * commit: its frames are read and each page number is named by the `dbstat` table.
 *
 *   npx tsx bench/pages-per-commit.ts [pairs=200]
 *
 * Prints the WAL pages per invite and per accept by B-tree (averaged over the pairs, after
 * a warm-up that makes the tables a few levels deep), and the WAL bytes per pair.
 */
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { startPairServer } from './pair-server.ts';
import { TSignaling } from '../src/sdk/index.ts';

const pairs = Number(process.argv[2] ?? 200);
const warm = 2000;
const { file, a, b, close } = await startPairServer('ringlet-pages-');
const probe = new Database(file);
probe.pragma('busy_timeout = 5000');

/** The next event of `type` on `chat`. */
function next(chat: typeof a, type: string): Promise<{ inviteID: string }> {
  return new Promise((resolve) => {
    const on = (e: { data: unknown }) => { chat.removeSignalingListener(type as never, on); resolve(e.data as { inviteID: string }); };
    chat.addSignalingListener(type as never, on);
  });
}

/** Page numbers written to the WAL since the last truncation (one entry per frame). */
function walFrames(): number[] {
  let buf: Buffer;
  try { buf = readFileSync(`${file}-wal`); } catch { return []; }
  if (buf.length < 32) return [];
  const pageSize = buf.readUInt32BE(8);
  const salt1 = buf.readUInt32BE(16);
  const salt2 = buf.readUInt32BE(20);
  const out: number[] = [];
  for (let off = 32; off + 24 + pageSize <= buf.length; off += 24 + pageSize) {
    if (buf.readUInt32BE(off + 8) !== salt1 || buf.readUInt32BE(off + 12) !== salt2) break;
    out.push(buf.readUInt32BE(off));
  }
  return out;
}

function pageOwners(): Map<number, string> {
  const rows = probe.prepare('SELECT name, pageno FROM dbstat').all() as Array<{ name: string; pageno: number }>;
  return new Map(rows.map((r) => [r.pageno, r.name]));
}

const truncate = () => probe.pragma('wal_checkpoint(TRUNCATE)');
const byTree = { invite: new Map<string, number>(), accept: new Map<string, number>() };
let walBytes = 0;

function record(kind: 'invite' | 'accept'): void {
  const frames = walFrames();
  const owners = pageOwners();
  walBytes += frames.length * (24 + (probe.pragma('page_size', { simple: true }) as number));
  for (const p of frames) {
    const name = owners.get(p) ?? (p === 1 ? 'header (page 1)' : 'free/new page');
    byTree[kind].set(name, (byTree[kind].get(name) ?? 0) + 1);
  }
}

async function pair(measure: boolean): Promise<void> {
  if (measure) truncate();
  const seen = next(b, TSignaling.NEW_INVITATION_RECEIVED);
  await a.invite({ userID: 'bob', data: 'x', timeout: 30 });
  const inv = await seen;
  if (measure) { record('invite'); truncate(); }
  const accepted = next(a, TSignaling.INVITEE_ACCEPTED);
  await b.accept({ inviteID: inv.inviteID });
  await accepted;
  if (measure) record('accept');
}

for (let i = 0; i < warm; i++) await pair(false);
for (let i = 0; i < pairs; i++) await pair(true);

const perPair = (v: number) => Math.round((v / pairs) * 100) / 100;
const total = (m: Map<string, number>) => perPair([...m.values()].reduce((s, v) => s + v, 0));
console.log(`pairs ${pairs}, page size ${String(probe.pragma('page_size', { simple: true }))}, WAL bytes per pair ${Math.round(walBytes / pairs)}`);
for (const kind of ['invite', 'accept'] as const) {
  console.log(`${kind}: ${total(byTree[kind])} pages per commit`);
  for (const [k, v] of [...byTree[kind].entries()].sort((x, y) => y[1] - x[1])) console.log(`  ${String(perPair(v)).padStart(6)}  ${k}`);
}
console.log(JSON.stringify(probe.prepare("SELECT (SELECT avg(length(response)) FROM requests) AS response, (SELECT avg(length(frame)) FROM events) AS frame, (SELECT avg(length(body)) FROM invitations) AS body, (SELECT avg(length(payload)) FROM messages) AS payload").get()));
probe.close();
await a.destroy();
await b.destroy();
await close();
