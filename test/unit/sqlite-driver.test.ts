import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteDriver } from '../../src/server/store/sqlite/driver.ts';

let dir: string;
let driver: SqliteDriver;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ringlet-drv-'));
  driver = new SqliteDriver(join(dir, 'db.sqlite'));
  await driver.exec('CREATE TABLE t (x INTEGER PRIMARY KEY)');
});
afterEach(async () => {
  await driver.close();
  rmSync(dir, { recursive: true, force: true });
});

/** What another connection (another process) sees: only committed rows. */
function committedRows(): number[] {
  const other = new Database(join(dir, 'db.sqlite'), { readonly: true });
  try {
    return (other.prepare('SELECT x FROM t ORDER BY x').all() as Array<{ x: number }>).map((r) => r.x);
  } finally {
    other.close();
  }
}

describe('SqliteDriver group commit', () => {
  it('commits writes queued together, and one that fails rolls back alone', async () => {
    const results = await Promise.allSettled([
      driver.transaction('write', (c) => c.run('INSERT INTO t VALUES (1)')),
      driver.transaction('write', async (c) => {
        await c.run('INSERT INTO t VALUES (2)');
        throw new Error('boom');
      }),
      driver.transaction('write', (c) => c.run('INSERT INTO t VALUES (3)')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason.message).toBe('boom');
    expect(committedRows()).toEqual([1, 3]);
  });

  it('rolls back a failing first write of a group without losing the writes queued after it', async () => {
    const results = await Promise.allSettled([
      driver.transaction('write', async (c) => {
        await c.run('INSERT INTO t VALUES (1)');
        throw new Error('first fails');
      }),
      driver.transaction('write', (c) => c.run('INSERT INTO t VALUES (2)')),
      driver.transaction('write', (c) => c.run('INSERT INTO t VALUES (3)')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect(committedRows()).toEqual([2, 3]);
  });

  it('resolves a write only once it is visible to other connections (committed)', async () => {
    const seen: number[][] = [];
    const p = driver.transaction('write', (c) => c.run('INSERT INTO t VALUES (7)')).then(() => seen.push(committedRows()));
    // Before the group commits, nobody else sees the row.
    expect(committedRows()).toEqual([]);
    await p;
    expect(seen).toEqual([[7]]);
  });

  it('lets a read see the writes queued before it', async () => {
    const w = driver.transaction('write', (c) => c.run('INSERT INTO t VALUES (5)'));
    const r = driver.transaction('read', (c) => c.all<{ x: number }>('SELECT x FROM t'));
    await w;
    expect(await r).toEqual([{ x: 5 }]);
  });

  it('keeps working after a failed statement and after close refuses new work', async () => {
    await expect(driver.transaction('write', (c) => c.run('INSERT INTO nope VALUES (1)'))).rejects.toThrow(/no such table/);
    await driver.transaction('write', (c) => c.run('INSERT INTO t VALUES (9)'));
    expect(committedRows()).toEqual([9]);
    await driver.close();
    await expect(driver.transaction('read', (c) => c.all('SELECT 1'))).rejects.toThrow(/closed/);
  });
});

describe('SqliteDriver checkpoints', () => {
  it('copies committed pages from the WAL into the database file in the background', async () => {
    const path = join(dir, 'db.sqlite');
    const before = statSync(path).size;
    for (let i = 0; i < 200; i++) await driver.transaction('write', (c) => c.run('INSERT INTO t VALUES (?)', [i + 100]));
    // No COMMIT checkpoints any more (wal_autocheckpoint = 0): the worker does, within ~1 s.
    const deadline = Date.now() + 10_000;
    while (statSync(path).size <= before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(statSync(path).size).toBeGreaterThan(before);
    expect(committedRows()).toHaveLength(200);
  });
});

describe('SqliteDriver WAL bound', () => {
  it('keeps the WAL file near its limit under a steady stream of writes', async () => {
    const path = join(dir, 'bounded.sqlite');
    // Checked at every commit, so the bound does not depend on how fast this machine writes.
    const small = new SqliteDriver(path, { walLimitBytes: 256 * 1024, walCheckMs: 0 });
    try {
      await small.exec('CREATE TABLE b (x INTEGER PRIMARY KEY, y TEXT)');
      const row = 'x'.repeat(2000);
      let i = 0;
      let largest = 0;
      // 8 MB of rows in groups of 20.
      while (i < 4000) {
        await Promise.all(Array.from({ length: 20 }, () => small.transaction('write', (c) => c.run('INSERT INTO b (y) VALUES (?)', [`${row}${i++}`]))));
        largest = Math.max(largest, statSync(`${path}-wal`).size);
      }
      // Unbounded, the WAL would reach the 8 MB written; bounded, it starts over each time
      // it passes 256 KiB. If the worker is mid-checkpoint then, the next group waits for it
      // (however slow the machine), so the file ends at most one group of 20 rows past it.
      expect(largest).toBeLessThan(256 * 1024 + 512 * 1024);
    } finally {
      await small.close();
    }
  });
});

