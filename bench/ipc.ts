/**
 * Request/response over Node's child-process IPC channel, shared by the bench
 * orchestrator (parent side) and its children (server, relay, load generators).
 *
 * Why not plain `process.send`: every phase needs an answer (cpu snapshot,
 * latency samples...), so each message carries an id and the parent awaits it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** A request from parent to child. */
export interface IpcRequest { id: number; cmd: string; args?: unknown }
/** The child's answer to one request. */
export interface IpcReply { id: number; ok: boolean; result?: unknown; error?: string }
/** A message the child sends unasked: `ready` once it can take requests. */
export interface IpcEvent { event: string; data?: unknown }

export type Handler = (args: any) => unknown | Promise<unknown>;

/** Repository root (bench/..), the cwd of every child so `tsx` resolves. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// ---------------------------------------------------------------- child side

/**
 * Serve `handlers` on this process's IPC channel. The child exits when the
 * parent goes away (channel closed), so no orphan survives a crashed run.
 */
export function serve(handlers: Record<string, Handler>): void {
  if (!process.send) throw new Error('bench child started without an IPC channel');
  process.on('message', async (raw: unknown) => {
    const req = raw as IpcRequest;
    if (typeof req?.id !== 'number') return;
    const h = handlers[req.cmd];
    let reply: IpcReply;
    try {
      if (!h) throw new Error(`unknown command '${req.cmd}'`);
      reply = { id: req.id, ok: true, result: await h(req.args) };
    } catch (err) {
      reply = { id: req.id, ok: false, error: err instanceof Error ? err.stack ?? err.message : String(err) };
    }
    process.send?.(reply);
  });
  process.on('disconnect', () => process.exit(0));
}

/** Tell the parent something (e.g. `ready` with the server url). */
export function emit(event: string, data?: unknown): void {
  process.send?.({ event, data } satisfies IpcEvent);
}

/** cpu/mem/gc handlers every server-like child answers, so the parent reads them alike. */
export function processStatsHandlers(): Record<string, Handler> {
  return {
    cpu: () => process.cpuUsage(),
    /** /proc/self/io: write_bytes = bytes this process caused to be written to storage. */
    io: () => {
      try {
        const out: Record<string, number> = {};
        for (const line of readFileSync('/proc/self/io', 'utf8').split('\n')) {
          const [k, v] = line.split(':');
          if (k && v) out[k.trim()] = Number(v);
        }
        return out;
      } catch {
        return {};
      }
    },
    mem: (args?: { gc?: boolean }) => {
      const gc = (globalThis as { gc?: () => void }).gc;
      if (args?.gc && gc) { gc(); gc(); }
      return { ...process.memoryUsage(), gcAvailable: typeof gc === 'function' };
    },
  };
}

// --------------------------------------------------------------- parent side

const live = new Set<ChildProcess>();

/** Kill every child still running (used on exit, error and SIGINT). */
export function killAllChildren(signal: NodeJS.Signals = 'SIGKILL'): void {
  for (const c of live) {
    try { c.kill(signal); } catch { /* already gone */ }
  }
}

export interface SpawnOptions {
  /** extra node flags, e.g. --expose-gc, --cpu-prof */
  nodeFlags?: string[];
  args?: string[];
  env?: Record<string, string>;
  /** ms to wait for the `ready` event */
  readyTimeoutMs?: number;
  /** send the child's stdout+stderr here instead of the terminal */
  logFile?: string;
}

/** A running bench child: `request` sends a command and awaits its reply. */
export class Child {
  readonly name: string;
  readonly proc: ChildProcess;
  readyData: unknown;
  #nextId = 1;
  #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #exited = false;

  constructor(name: string, proc: ChildProcess) {
    this.name = name;
    this.proc = proc;
    proc.on('message', (m: unknown) => {
      const r = m as IpcReply;
      if (typeof r?.id !== 'number') return;
      const p = this.#pending.get(r.id);
      if (!p) return;
      this.#pending.delete(r.id);
      if (r.ok) p.resolve(r.result);
      else p.reject(new Error(`${this.name}: ${r.error}`));
    });
    proc.on('exit', (code, sig) => {
      this.#exited = true;
      live.delete(proc);
      for (const p of this.#pending.values()) p.reject(new Error(`${this.name} exited (code ${code}, signal ${sig})`));
      this.#pending.clear();
    });
  }

  /** Send `cmd` and wait at most `timeoutMs` for its answer. */
  request<T = unknown>(cmd: string, args?: unknown, timeoutMs = 120_000): Promise<T> {
    if (this.#exited) return Promise.reject(new Error(`${this.name}: not running`));
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${this.name}: '${cmd}' timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, {
        resolve: (v) => { clearTimeout(timer); resolve(v as T); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      });
      this.proc.send({ id, cmd, args } satisfies IpcRequest);
    });
  }

  /** Ask the child to exit cleanly (so --cpu-prof gets written), then force it. */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.#exited) return;
    const gone = new Promise<void>((r) => this.proc.once('exit', () => r()));
    this.request('exit', undefined, graceMs).catch(() => { /* exits before replying */ });
    const t = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
    await gone;
    clearTimeout(t);
  }
}

/**
 * Start `bench/<script>` under tsx with the file-descriptor soft limit raised to
 * the hard limit (bash `ulimit`), and wait until it emits `ready`.
 */
export async function spawnChild(name: string, script: string, opts: SpawnOptions = {}): Promise<Child> {
  const file = path.join(repoRoot, 'bench', script);
  const nodeArgs = ['--import', 'tsx', ...(opts.nodeFlags ?? []), file, ...(opts.args ?? [])];
  const logFd = opts.logFile ? openSync(opts.logFile, 'w') : -1;
  const proc = spawn('bash', ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"', process.execPath, ...nodeArgs], {
    cwd: repoRoot,
    stdio: opts.logFile ? ['ignore', logFd, logFd, 'ipc'] : ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, ...opts.env },
  });
  if (logFd >= 0) closeSync(logFd);
  live.add(proc);
  const child = new Child(name, proc);
  child.readyData = await new Promise<unknown>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name}: not ready after ${opts.readyTimeoutMs ?? 60_000} ms`)), opts.readyTimeoutMs ?? 60_000);
    const onMsg = (m: unknown) => {
      const e = m as IpcEvent;
      if (e?.event === 'ready') { clearTimeout(timer); proc.off('message', onMsg); resolve(e.data); }
      if (e?.event === 'fatal') { clearTimeout(timer); reject(new Error(`${name}: ${String(e.data)}`)); }
    };
    proc.on('message', onMsg);
    proc.once('exit', (code) => { clearTimeout(timer); reject(new Error(`${name} exited before ready (code ${code})`)); });
  });
  return child;
}
