/**
 * PostgreSQL round trips per request: one server (PostgreSQL store, Redis bus) in this
 * process, two SDK clients, `--pairs` sequential invite + accept, one fresh login and one
 * resumed login (a reconnect that missed nothing, as in a storm) of a user this node has
 * not seen (its revocation cache is cold) and then of one it has. Every message node-postgres
 * puts on the wire is counted per request; a round trip is a wait for the server's answer
 * (statements sent together in pipeline mode share one).
 *
 *   npx tsx bench/cluster/pg-trips.ts [--pairs 50] [--verbose]
 */
import pg from 'pg';
import WebSocket from 'ws';
import { createChat, TSignaling } from '../../src/sdk/index.ts';
import { startServer } from '../../src/server/index.ts';
import { createTestDatabase, PG_ADMIN_URL, REDIS_URL, skipUnless } from '../../test/support/backends.ts';
import { followBackends } from './proc.ts';

const argv = process.argv.slice(2);
const pairs = Number(argv[argv.indexOf('--pairs') + 1]) || 50;
const verbose = argv.includes('--verbose');

interface Counter { statements: number; trips: number; texts: string[] }
let current: Counter | null = null;

// Counts statements as they are handed to a client, and round trips as the moments the
// client had to wait for an answer: a statement issued while none of the same client's
// earlier ones is still unanswered starts a new round trip.
const inFlight = new WeakMap<object, number>();
const original = pg.Client.prototype.query as (...a: unknown[]) => unknown;
(pg.Client.prototype as unknown as { query: (...a: unknown[]) => unknown }).query = function (this: object, ...args: unknown[]) {
  const c = current;
  const pending = inFlight.get(this) ?? 0;
  if (c) {
    c.statements++;
    if (pending === 0) c.trips++;
    const cfg = args[0] as string | { text: string };
    if (verbose) c.texts.push((typeof cfg === 'string' ? cfg : cfg.text).replace(/\s+/g, ' ').slice(0, 110));
  }
  inFlight.set(this, pending + 1);
  const r = original.apply(this, args) as Promise<unknown>;
  const done = () => inFlight.set(this, (inFlight.get(this) ?? 1) - 1);
  void r.then(done, done);
  return r;
};

async function main(): Promise<void> {
  if (await skipUnless('postgres', 'redis')) return;
  const db = await createTestDatabase('trips');
  const server = await startServer({ port: 0, storage: db.url, redis: REDIS_URL, secret: 'x'.repeat(40), logLevel: 'error', rate: { perSecond: 1000, burst: 2000 },
    // One inviter, back to back: above the default 50 invites/s per user.
    limits: { messageRate: { perSecond: 10_000, burst: 10_000 } } });
  const a = createChat({ server: server.url });
  const b = createChat({ server: server.url });
  try {
    await a.login({ userID: 'trips_a', userSig: await server.userSig('trips_a') });
    const bSig = await server.userSig('trips_b');
    const login: Counter = { statements: 0, trips: 0, texts: [] };
    current = login;
    await b.login({ userID: 'trips_b', userSig: bSig });
    current = null;
    if (verbose) console.log(`login:\n  ${login.texts.join('\n  ')}`);
    // A resumed login on a raw socket, as the SDK's reconnect sends it.
    const resumed = async (userID: string, sig: string, lastSeq: number): Promise<Counter> => {
      const ws = new WebSocket(server.url);
      await new Promise((r, j) => ws.once('open', r).once('error', j));
      const c: Counter = { statements: 0, trips: 0, texts: [] };
      current = c;
      ws.send(JSON.stringify({ type: 'login', id: 'l1', userID, userSig: sig, resume: { lastSeq } }));
      await new Promise<void>((resolve) => ws.on('message', (m) => {
        if ((JSON.parse(String(m)) as { type: string }).type === 'synced') resolve();
      }));
      current = null;
      ws.close();
      return c;
    };
    const cSig = await server.userSig('trips_c');
    const resumeCold = await resumed('trips_c', cSig, 0);
    const resumeWarm = await resumed('trips_c', cSig, 0);
    if (verbose) console.log(`resumed login (cold):\n  ${resumeCold.texts.join('\n  ')}\nresumed login (warm):\n  ${resumeWarm.texts.join('\n  ')}`);
    const rings: ((id: string) => void)[] = [];
    b.addSignalingListener(TSignaling.NEW_INVITATION_RECEIVED, (e: { data: unknown }) => rings.shift()?.((e.data as { inviteID: string }).inviteID));
    const accepted: (() => void)[] = [];
    a.addSignalingListener(TSignaling.INVITEE_ACCEPTED, () => accepted.shift()?.());
    const total = { invite: { statements: 0, trips: 0 }, accept: { statements: 0, trips: 0 } };
    let cpu0 = process.cpuUsage();
    let t0 = performance.now();
    let backends: Awaited<ReturnType<typeof followBackends>> | null = null;
    for (let i = 0; i < pairs + 5; i++) {
      if (i === 5) {
        backends = await followBackends(PG_ADMIN_URL, db.database);
        cpu0 = process.cpuUsage();
        t0 = performance.now();
      }
      const ring = new Promise<string>((r) => rings.push(r));
      const inv: Counter = { statements: 0, trips: 0, texts: [] };
      current = inv;
      const { inviteID } = await a.invite({ userID: 'trips_b', timeout: 30 });
      current = null;
      if ((await ring) !== inviteID) throw new Error('rang for another invitation');
      const heard = new Promise<void>((r) => accepted.push(r));
      const acc: Counter = { statements: 0, trips: 0, texts: [] };
      current = acc;
      await b.accept({ inviteID });
      current = null;
      await heard;
      if (i < 5) continue; // warm-up: pools, prepared statements
      total.invite.statements += inv.statements;
      total.invite.trips += inv.trips;
      total.accept.statements += acc.statements;
      total.accept.trips += acc.trips;
      if (verbose && i === 5) console.log(`invite:\n  ${inv.texts.join('\n  ')}\naccept:\n  ${acc.texts.join('\n  ')}`);
    }
    const cpu = process.cpuUsage(cpu0);
    const wallMs = performance.now() - t0;
    const postgresMs = backends ? await backends.stop() : 0;
    const per = (n: number) => Math.round((n / pairs) * 100) / 100;
    console.log(JSON.stringify({
      pairs,
      login: { statements: login.statements, roundTrips: login.trips },
      resumedLoginCold: { statements: resumeCold.statements, roundTrips: resumeCold.trips },
      resumedLoginWarm: { statements: resumeWarm.statements, roundTrips: resumeWarm.trips },
      invite: { statements: per(total.invite.statements), roundTrips: per(total.invite.trips) },
      accept: { statements: per(total.accept.statements), roundTrips: per(total.accept.trips) },
      // This process: server and both clients, sequential pairs (a comparison, not a capacity).
      // PostgreSQL: the backends serving this database (10 ms ticks; noisy below a few hundred pairs).
      perPair: { cpuUs: Math.round((cpu.user + cpu.system) / pairs), postgresUs: Math.round((postgresMs * 1000) / pairs), wallMs: Math.round((wallMs / pairs) * 100) / 100 },
    }));
  } finally {
    await a.destroy().catch(() => undefined);
    await b.destroy().catch(() => undefined);
    await server.close();
    await db.drop().catch(() => undefined);
  }
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
