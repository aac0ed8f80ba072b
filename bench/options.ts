/**
 * Bench options: defaults for the full run, `--quick` for a smoke run, and
 * `--name=value` flags (or BENCH_NAME env vars) to override any of them.
 */

/** What a run measures: Ringlet, the bare relay (the floor), Socket.IO (what users would otherwise pick). */
export const TARGET_KINDS = ['relay', 'socketio', 'ringlet'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

export interface BenchOptions {
  quick: boolean;
  targets: TargetKind[];
  phases: Array<'memory' | 'rtt' | 'cpu' | 'throughput'>; // which measurements to run
  loaders: number; // load-generator processes
  rttCount: number; // recorded sequential round trips
  rttWarm: number; // unrecorded warm-up round trips
  rttBlocks: number; // round trips run in this many blocks, alternating between targets
  rttGapMs: number; // start-to-start spacing of round trips (Ringlet closes a session over 200 frames/s)
  pairs: number; // pairs for the open-loop phases
  stepMs: number; // length of one throughput step (sending time)
  stepWarmMs: number; // unmeasured start of a step
  drainMs: number; // wait for stragglers after a step
  startRate: number; // first step of the search (pairs/s)
  maxRate: number; // never offer more than this
  bisect: number; // refinement steps after the doubling phase
  searchBudgetMs: number; // the whole search for one target
  p99LimitMs: number; // a step passes if p99 < this ...
  achievedMin: number; // ... and achieved >= this fraction of offered
  cpuCount: number; // invites in the fixed-count CPU run
  cpuRate: number; // offered rate of that run (pairs/s)
  sessions: number; // idle sessions for the memory phase
  devices: number; // sessions per user (sessions/devices distinct users)
  loginConcurrency: number; // logins in flight per loader
  profile: boolean; // CPU-profile the server during the CPU phase
  sqlStats: boolean; // count/time the server's SQL statements during the CPU phase (Ringlet only)
  metricsCost: boolean; // also run the CPU phase on a Ringlet server with GET /metrics on, scraped every second
  watchdogMs: number; // hard cap on the whole run
  waitQuietMs: number; // before starting, wait up to this long for other processes to go idle
}

const full: BenchOptions = {
  quick: false,
  targets: [...TARGET_KINDS],
  phases: ['memory', 'rtt', 'cpu', 'throughput'],
  loaders: 1,
  rttCount: 2000,
  rttWarm: 200,
  rttBlocks: 10,
  rttGapMs: 6,
  pairs: 150,
  stepMs: 5000,
  stepWarmMs: 1000,
  drainMs: 2000,
  startRate: 500,
  maxRate: 32000,
  bisect: 3,
  searchBudgetMs: 100_000,
  p99LimitMs: 50,
  achievedMin: 0.95,
  cpuCount: 6000,
  cpuRate: 500,
  sessions: 10_000,
  devices: 1,
  loginConcurrency: 100,
  profile: false,
  sqlStats: false,
  metricsCost: true,
  watchdogMs: 9 * 60_000,
  waitQuietMs: 30_000,
};

const quick: Partial<BenchOptions> = {
  quick: true,
  rttCount: 200,
  rttWarm: 20,
  rttBlocks: 4,
  pairs: 40,
  stepMs: 1500,
  stepWarmMs: 300,
  drainMs: 1000,
  startRate: 500,
  maxRate: 4000,
  bisect: 1,
  searchBudgetMs: 20_000,
  cpuCount: 1000,
  sessions: 1000,
  watchdogMs: 3 * 60_000,
  waitQuietMs: 0,
};

/** Parse argv flags (`--quick`, `--sessions=20000`, `--targets=relay`) and BENCH_* env vars. */
export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): BenchOptions {
  const flags = new Map<string, string>();
  for (const [k, v] of Object.entries(env)) {
    if (k.startsWith('BENCH_') && v !== undefined) flags.set(k.slice(6).toLowerCase().replace(/_(.)/g, (_, c: string) => c.toUpperCase()), v);
  }
  for (const a of argv) {
    const m = /^--([a-zA-Z0-9-]+)(?:=(.*))?$/.exec(a);
    if (!m) throw new Error(`bench: unknown argument '${a}'`);
    flags.set(m[1]!.replace(/-(.)/g, (_, c: string) => c.toUpperCase()), m[2] ?? 'true');
  }
  const isQuick = flags.get('quick') === 'true' || flags.get('quick') === '1';
  const o: BenchOptions = { ...full, ...(isQuick ? quick : {}) };
  for (const [k, v] of flags) {
    if (!(k in o)) throw new Error(`bench: unknown option '${k}'`);
    const key = k as keyof BenchOptions;
    const cur = o[key];
    if (key === 'targets') o.targets = v.split(',').map((t) => {
      if (!(TARGET_KINDS as readonly string[]).includes(t)) throw new Error(`bench: unknown target '${t}'`);
      return t as TargetKind;
    });
    else if (key === 'phases') o.phases = v.split(',').map((p) => {
      if (p !== 'memory' && p !== 'rtt' && p !== 'cpu' && p !== 'throughput') throw new Error(`bench: unknown phase '${p}'`);
      return p;
    });
    else if (typeof cur === 'boolean') (o as unknown as Record<string, unknown>)[key] = v === 'true' || v === '1';
    else if (typeof cur === 'number') {
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0) throw new Error(`bench: --${k} needs a number, got '${v}'`);
      (o as unknown as Record<string, unknown>)[key] = n;
    }
  }
  if (o.sessions % o.devices !== 0) throw new Error('bench: --sessions must be a multiple of --devices');
  return o;
}
