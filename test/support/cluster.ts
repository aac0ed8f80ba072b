/**
 * A cluster of Ringlet nodes for tests and benches: N child processes running
 * cluster-node.ts against one PostgreSQL database and one Redis, plus TCP proxies in
 * front of them. Users are registered and signed from the test process (same secret).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { UserSigs } from '../../src/server/auth/usersig.ts';
import type { ServerLimits } from '../../src/server/limits/config.ts';
import { openStore, type Store } from '../../src/server/store/index.ts';
import { REDIS_URL } from './backends.ts';
import { startTcpProxy, type ProxyPolicy, type TcpProxy } from './tcp-proxy.ts';

const NODE_SCRIPT = fileURLToPath(new URL('./cluster-node.ts', import.meta.url));
const sh = promisify(execFile);

export interface NodeOptions {
  deadlinePollMs?: number;
  maxSessionsPerUser?: number;
  logLevel?: string;
  idleTimeoutMs?: number;
  rate?: { perSecond: number; burst: number };
  limits?: Partial<ServerLimits>;
  /** A folder for each node's admin socket (node<i>.sock); default: none. */
  adminSocketDir?: string;
  /** Per node index: the root of another source tree to run that node from (a previous release); default this one. */
  trees?: Record<number, string>;
}

export class ClusterNode {
  port = 0;
  proc: ChildProcess | null = null;
  /** Recent output lines, for failure messages. */
  readonly output: string[] = [];
  constructor(readonly index: number) {}

  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }
  get alive(): boolean {
    return this.proc !== null && this.proc.exitCode === null && this.proc.signalCode === null;
  }
}

export class Cluster {
  readonly nodes: ClusterNode[] = [];
  readonly proxies: TcpProxy[] = [];
  readonly secret = randomBytes(32).toString('hex');
  readonly sigs = new UserSigs(this.secret);
  #store: Store | null = null;

  private constructor(readonly storage: string, readonly redis: string, readonly nodeOptions: NodeOptions) {}

  /** Starts `count` nodes on `storage` (a postgres:// URL) and `redis`. */
  static async start(opts: { nodes: number; storage: string; redis?: string } & NodeOptions): Promise<Cluster> {
    const { nodes, storage, redis, ...nodeOptions } = opts;
    const c = new Cluster(storage, redis ?? REDIS_URL, nodeOptions);
    // The first node migrates the schema; the others start together.
    for (let i = 0; i < nodes; i++) c.nodes.push(new ClusterNode(i));
    await c.startNode(0);
    await Promise.all(c.nodes.slice(1).map((n) => c.startNode(n.index)));
    c.#store = await openStore(storage);
    return c;
  }

  /** (Re)starts node `i`; resolves once it listens. Keeps its port when it had one. */
  async startNode(i: number): Promise<ClusterNode> {
    const node = this.nodes[i]!;
    const config = {
      storage: this.storage,
      redis: this.redis,
      secret: this.secret,
      port: node.port,
      deadlinePollMs: this.nodeOptions.deadlinePollMs ?? 500,
      logLevel: this.nodeOptions.logLevel ?? 'warn',
      ...(this.nodeOptions.maxSessionsPerUser ? { maxSessionsPerUser: this.nodeOptions.maxSessionsPerUser } : {}),
      ...(this.nodeOptions.idleTimeoutMs ? { idleTimeoutMs: this.nodeOptions.idleTimeoutMs } : {}),
      ...(this.nodeOptions.rate ? { rate: this.nodeOptions.rate } : {}),
      ...(this.nodeOptions.limits ? { limits: this.nodeOptions.limits } : {}),
      ...(this.nodeOptions.adminSocketDir ? { adminSocket: this.adminSocket(i) } : {}),
    };
    const tree = this.nodeOptions.trees?.[i];
    const script = tree ? join(tree, 'test/support/cluster-node.ts') : NODE_SCRIPT;
    const proc = spawn(process.execPath, ['--import', 'tsx', script], {
      ...(tree ? { cwd: tree } : {}),
      env: { ...process.env, RINGLET_NODE: JSON.stringify(config), RINGLET_PG_POOL_MAX: process.env.RINGLET_PG_POOL_MAX ?? '8' },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    node.proc = proc;
    node.output.length = 0;
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line) node.output.push(line.slice(0, 500));
      if (node.output.length > 200) node.output.splice(0, node.output.length - 200);
    };
    proc.stderr!.on('data', keep);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`node ${i} did not start in 30 s:\n${node.output.join('\n')}`)), 30_000);
      let buf = '';
      proc.stdout!.on('data', (chunk: Buffer) => {
        keep(chunk);
        buf += chunk.toString();
        const m = /READY (\d+)/.exec(buf);
        if (m && node.port !== Number(m[1])) {
          node.port = Number(m[1]);
        }
        if (m) {
          clearTimeout(timer);
          buf = '';
          resolve();
        }
      });
      proc.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`node ${i} exited (${code ?? signal}) before it was ready:\n${node.output.join('\n')}`));
      });
    });
    return node;
  }

  /** Where node `i` answers the admin command (with `adminSocketDir`). */
  adminSocket(i: number): string {
    return `${this.nodeOptions.adminSocketDir}/node${i}.sock`;
  }

  /** Kills node `i` (SIGKILL: a crash, nothing is cleaned up) and waits for its exit. */
  async kill(i: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const proc = this.nodes[i]!.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    proc.kill(signal);
    await exited;
  }

  /** A proxy in front of the nodes (ports taken now); 'first-alive' with `prefer` first. */
  async proxy(policy: ProxyPolicy = 'round-robin', prefer?: number): Promise<TcpProxy> {
    const order = this.nodes.map((n) => n.index);
    if (prefer !== undefined) order.sort((a, b) => ((a - prefer + order.length) % order.length) - ((b - prefer + order.length) % order.length));
    const p = await startTcpProxy(order.map((i) => this.nodes[i]!.port), policy);
    this.proxies.push(p);
    return p;
  }

  /** Registers the user (as a userSig login would) and returns a fresh userSig. */
  async userSig(userID: string, ttlSeconds = 3600): Promise<string> {
    await this.#store!.write((tx) => tx.ensureUser(userID, Date.now()));
    return this.sigs.sign(userID, ttlSeconds);
  }

  get store(): Store {
    return this.#store!;
  }

  async close(): Promise<void> {
    await Promise.all(this.proxies.map((p) => p.close().catch(() => undefined)));
    await Promise.all(
      this.nodes.map(async (n) => {
        const proc = n.proc;
        if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
        const exited = new Promise<void>((r) => proc.once('exit', () => r()));
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
      }),
    );
    await this.#store?.close();
  }
}

// ---- Redis control for outage tests

const REDIS_START_ARGS = ['--daemonize', 'yes', '--bind', '127.0.0.1', '-::1', '--port', '6379', '--save', '', '--appendonly', 'no', '--dir', '/var/lib/redis', '--logfile', '/var/log/redis/ci.log'];

export async function redisPing(): Promise<boolean> {
  try {
    const { stdout } = await sh('redis-cli', ['-h', '127.0.0.1', '-p', '6379', 'ping'], { timeout: 2000 });
    return stdout.trim() === 'PONG';
  } catch {
    return false;
  }
}

/** Stops the local Redis (no save): every key and subscription is gone. */
export async function stopRedis(): Promise<void> {
  await sh('redis-cli', ['-h', '127.0.0.1', '-p', '6379', 'shutdown', 'nosave'], { timeout: 5000 }).catch(() => undefined);
  for (let i = 0; i < 50 && (await redisPing()); i++) await new Promise((r) => setTimeout(r, 100));
}

/** Starts the local Redis again (the command from the environment notes) and waits for PONG. */
export async function startRedis(): Promise<void> {
  if (await redisPing()) return;
  await sh('redis-server', REDIS_START_ARGS, { timeout: 10_000 });
  for (let i = 0; i < 100; i++) {
    if (await redisPing()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('redis did not come back');
}
