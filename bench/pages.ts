/**
 * Which SQLite B-trees (tables and indexes) one invite and one accept write, measured
 * exactly. Runs an in-process server on a temporary file; before each request a second
 * connection truncates the WAL (checkpoint TRUNCATE), after it the WAL holds exactly that
 * request's commit (and whatever else committed meanwhile, such as a store applying its
 * journal's projections): its frames are read, commits counted by their commit frames,
 * and each page number is named by the `dbstat` table. Requests go one at a time, so each
 * request's commit holds one transition (the CPU phase reports how many commits a pair
 * takes under load).
 */
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { startPairServer } from './pair-server.ts';
import { TSignaling } from '../src/sdk/index.ts';

export interface CommitPages {
  /** WAL pages (frames) written per request of this kind (its commit, and any catch-up of projections that ran meanwhile). */
  pages: number;
  /** Commits per request of this kind (commit frames in the WAL). */
  commits: number;
  /** pages / commits. */
  pagesPerCommit: number;
  /** The same pages by B-tree, most first. */
  byTree: Array<{ tree: string; pages: number }>;
}

export interface PagesResult {
  pairs: number;
  pageSize: number;
  walBytesPerPair: number;
  /** All WAL pages over all commits of the measured pairs. */
  pagesPerCommit: number;
  invite: CommitPages;
  accept: CommitPages;
  /** Average row sizes in bytes (what makes a B-tree split often). */
  rowBytes: Record<string, number>;
}

/** `pairs` measured invite+accept pairs after `warm` unmeasured ones (which make the tables a few levels deep). */
export async function measurePages(pairs: number, warm: number): Promise<PagesResult> {
  const { file, a, b, close } = await startPairServer('ringlet-pages-');
  const probe = new Database(file);
  try {
    probe.pragma('busy_timeout = 5000');
    const pageSize = probe.pragma('page_size', { simple: true }) as number;
    const next = (chat: typeof a, type: string) => new Promise<{ inviteID: string }>((resolve) => {
      const on = (e: { data: unknown }) => { chat.removeSignalingListener(type as never, on); resolve(e.data as { inviteID: string }); };
      chat.addSignalingListener(type as never, on);
    });
    /** Page numbers written to the WAL since the last truncation (one entry per frame), and the commits among them. */
    const walFrames = (): { pages: number[]; commits: number } => {
      let buf: Buffer;
      try { buf = readFileSync(`${file}-wal`); } catch { return { pages: [], commits: 0 }; }
      if (buf.length < 32) return { pages: [], commits: 0 };
      const salt1 = buf.readUInt32BE(16), salt2 = buf.readUInt32BE(20);
      const pages: number[] = [];
      let commits = 0;
      for (let off = 32; off + 24 + pageSize <= buf.length; off += 24 + pageSize) {
        if (buf.readUInt32BE(off + 8) !== salt1 || buf.readUInt32BE(off + 12) !== salt2) break;
        pages.push(buf.readUInt32BE(off));
        // A commit's last frame records the database size after it.
        if (buf.readUInt32BE(off + 4) !== 0) commits++;
      }
      return { pages, commits };
    };
    const byTree = { invite: new Map<string, number>(), accept: new Map<string, number>() };
    const commits = { invite: 0, accept: 0 };
    let walBytes = 0;
    /** Empties the WAL; retried while the server's checkpointer or a reader holds it (busy). */
    const truncate = async () => {
      for (let i = 0; i < 200; i++) {
        const [r] = probe.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>;
        if (!r?.busy) return;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      throw new Error('the WAL could not be truncated (busy for 1 s)');
    };
    const record = (kind: 'invite' | 'accept') => {
      const { pages: frames, commits: n } = walFrames();
      commits[kind] += n;
      const owners = new Map((probe.prepare('SELECT name, pageno FROM dbstat').all() as Array<{ name: string; pageno: number }>).map((r) => [r.pageno, r.name]));
      walBytes += frames.length * (24 + pageSize);
      for (const p of frames) {
        const name = owners.get(p) ?? (p === 1 ? 'header (page 1)' : 'free/new page');
        byTree[kind].set(name, (byTree[kind].get(name) ?? 0) + 1);
      }
    };
    const pair = async (measure: boolean) => {
      if (measure) await truncate();
      const seen = next(b, TSignaling.NEW_INVITATION_RECEIVED);
      await a.invite({ userID: 'bob', data: 'x', timeout: 30 });
      const inv = await seen;
      if (measure) { record('invite'); await truncate(); }
      const accepted = next(a, TSignaling.INVITEE_ACCEPTED);
      await b.accept({ inviteID: inv.inviteID });
      await accepted;
      if (measure) record('accept');
    };
    for (let i = 0; i < warm; i++) await pair(false);
    for (let i = 0; i < pairs; i++) await pair(true);
    const per = (v: number) => Math.round((v / pairs) * 100) / 100;
    const total = (m: Map<string, number>) => [...m.values()].reduce((s, v) => s + v, 0);
    const summary = (kind: 'invite' | 'accept'): CommitPages => ({
      pages: per(total(byTree[kind])), commits: per(commits[kind]),
      pagesPerCommit: Math.round((total(byTree[kind]) / Math.max(1, commits[kind])) * 100) / 100,
      byTree: [...byTree[kind].entries()].sort((x, y) => y[1] - x[1]).map(([tree, v]) => ({ tree, pages: per(v) })),
    });
    const rowBytes = probe.prepare(`SELECT (SELECT avg(length(response)) FROM requests) AS response, (SELECT avg(length(frame)) FROM events) AS frame,
      (SELECT avg(length(body)) FROM invitations) AS body, (SELECT avg(length(payload)) FROM messages) AS payload`).get() as Record<string, number | null>;
    return {
      pairs, pageSize, walBytesPerPair: Math.round(walBytes / pairs),
      pagesPerCommit: Math.round(((total(byTree.invite) + total(byTree.accept)) / Math.max(1, commits.invite + commits.accept)) * 100) / 100,
      invite: summary('invite'), accept: summary('accept'),
      rowBytes: Object.fromEntries(Object.entries(rowBytes).filter((e): e is [string, number] => e[1] !== null).map(([k, v]) => [k, Math.round(v)])),
    };
  } finally {
    probe.close();
    await a.destroy();
    await b.destroy();
    await close();
  }
}
