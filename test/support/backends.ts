/**
 * Shared test helpers for the storage and bus backends.
 *
 *   const db = await testStorage('lifecycle');   // SQLite file, or a fresh PostgreSQL
 *   const server = await startServer({ port: 0, ...db.serverOptions });   // database when
 *   …                                             // RINGLET_TEST_BACKEND=postgres
 *   await server.close(); await db.cleanup();
 *
 * Backends come from the environment:
 *   RINGLET_TEST_BACKEND  'sqlite' (default) or 'postgres'
 *   RINGLET_TEST_PG       admin URL, default postgres://postgres@127.0.0.1:5432/postgres
 *   RINGLET_TEST_REDIS    default redis://127.0.0.1:6379
 * With CI=true a missing backend is an error (the suite fails); locally the suites that
 * need it are skipped with a printed reason.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';

export type Backend = 'sqlite' | 'postgres';

export const PG_ADMIN_URL = process.env.RINGLET_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.RINGLET_TEST_REDIS ?? 'redis://127.0.0.1:6379';
export const IN_CI = process.env.CI === 'true' || process.env.CI === '1';

/** The store backend the suites run against in this process. */
export function testBackend(): Backend {
  const b = (process.env.RINGLET_TEST_BACKEND ?? 'sqlite').toLowerCase();
  if (b === 'postgres' || b === 'postgresql' || b === 'pg') return 'postgres';
  if (b === 'sqlite' || b === '') return 'sqlite';
  throw new Error(`RINGLET_TEST_BACKEND=${b}: expected 'sqlite' or 'postgres'`);
}

export interface TestStorage {
  backend: Backend;
  /** What startServer({ storage }) takes: a SQLite file path or a postgres:// URL. */
  storage: string;
  /** A folder for the server's other files (secret); removed by cleanup. */
  dir: string;
  /**
   * What to spread into startServer: `storage` and `dataDir`. Pass dataDir with PostgreSQL
   * too: the secret then lives in `dir`, so a restarted server accepts the same userSigs.
   */
  serverOptions: { storage: string; dataDir: string };
  /** Drops the database / removes the files. Safe to call twice. */
  cleanup(): Promise<void>;
}

/** A URL for database `db` on the same server as the admin URL. */
export function pgUrlFor(db: string, admin = PG_ADMIN_URL): string {
  const u = new URL(admin);
  u.pathname = `/${db}`;
  return u.toString();
}

async function pgAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  c.on('error', () => undefined);
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** Creates a fresh, empty PostgreSQL database; returns its URL and how to drop it. */
export async function createTestDatabase(name = 'db'): Promise<{ url: string; database: string; drop(): Promise<void> }> {
  const safe = name.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 24);
  const database = `ringlet_t_${safe}_${randomBytes(4).toString('hex')}`;
  try {
    await pgAdmin((c) => c.query(`CREATE DATABASE "${database}"`));
  } catch (err) {
    throw new Error(`cannot create test database on ${PG_ADMIN_URL} (is PostgreSQL running? see docs/SCALE-OUT.md): ${String(err)}`);
  }
  let dropped = false;
  return {
    url: pgUrlFor(database),
    database,
    async drop() {
      if (dropped) return;
      dropped = true;
      // FORCE (PostgreSQL 13+) ends connections a crashed node or a leaked pool left behind.
      await pgAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
    },
  };
}

/**
 * Fresh storage for one suite: a SQLite file in a new tmp dir, or (RINGLET_TEST_BACKEND=
 * postgres) a new database `ringlet_t_<name>_<random>`, dropped by `cleanup`.
 */
export async function testStorage(name = 'test', backend: Backend = testBackend()): Promise<TestStorage> {
  const dir = mkdtempSync(join(tmpdir(), `ringlet-${name.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 24)}-`));
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  if (backend === 'sqlite') {
    const storage = join(dir, 'ringlet.sqlite');
    return { backend, storage, dir, serverOptions: { storage, dataDir: dir }, cleanup: async () => removeDir() };
  }
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  try {
    db = await createTestDatabase(name);
  } catch (err) {
    removeDir();
    throw err;
  }
  return {
    backend,
    storage: db.url,
    dir,
    serverOptions: { storage: db.url, dataDir: dir },
    async cleanup() {
      try {
        await db.drop();
      } finally {
        removeDir();
      }
    },
  };
}

export interface BackendStatus {
  postgres: boolean;
  redis: boolean;
  /** Why each missing one is missing. */
  errors: Partial<Record<'postgres' | 'redis', string>>;
}

let cached: Promise<BackendStatus> | null = null;

/** Whether PostgreSQL and Redis answer (checked once per process, a few seconds at most). */
export function backendsAvailable(): Promise<BackendStatus> {
  cached ??= (async () => {
    const errors: BackendStatus['errors'] = {};
    const postgres = await pgAdmin((c) => c.query('SELECT 1')).then(
      () => true,
      (err: unknown) => ((errors.postgres = String(err)), false),
    );
    const redis = await pingRedis().then(
      () => true,
      (err: unknown) => ((errors.redis = String(err)), false),
    );
    return { postgres, redis, errors };
  })();
  return cached;
}

async function pingRedis(url = REDIS_URL): Promise<void> {
  const r = new Redis(url, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  r.on('error', () => undefined);
  try {
    await r.connect();
    await r.ping();
  } finally {
    r.disconnect();
  }
}

/**
 * For a suite that needs these backends: resolves to true when it must be skipped.
 * Missing in CI → throws (the suite fails); missing locally → prints why and skips.
 *
 *   describe.skipIf(await skipUnless('postgres', 'redis'))('cluster', () => { … });
 */
export async function skipUnless(...needs: ('postgres' | 'redis')[]): Promise<boolean> {
  const status = await backendsAvailable();
  const missing = needs.filter((n) => !status[n]);
  if (missing.length === 0) return false;
  const why = missing.map((m) => `${m}: ${status.errors[m] ?? 'not reachable'}`).join('; ');
  const how = 'start them (see docs/SCALE-OUT.md: pg_ctlcluster … main start / redis-server --daemonize yes …)';
  if (IN_CI) throw new Error(`CI=true but required backends are missing (${why}); ${how}`);
  console.warn(`\n[ringlet tests] SKIPPING: needs ${missing.join(' and ')} (${why}); ${how}\n`);
  return true;
}

/**
 * For vitest.config.ts: whether the project that reruns suites with
 * RINGLET_TEST_BACKEND=postgres should be included. In CI a missing PostgreSQL throws
 * (the run fails); locally it prints why and returns false.
 */
export async function postgresProjectEnabled(): Promise<boolean> {
  return !(await skipUnless('postgres'));
}
