/**
 * The Ringlet server in a child process (test/integration/fixtures/server-process.ts), for
 * tests that kill it, restart it on the same file, or measure the process itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../integration/fixtures/server-process.ts', import.meta.url));


export interface ServerProcessOptions {
  port: number;
  /** The SQLite file (or postgres:// URL). */
  storage: string;
  /** Added to this process's environment (e.g. RINGLET_SECRET). */
  env?: NodeJS.ProcessEnv;
  /** Node flags before the script (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** An IPC channel (the fixture writes heap snapshots on request). */
  ipc?: boolean;
  /** The process's open-file limit, soft and hard (run through prlimit). */
  maxFiles?: number;
}

/** Starts the server process; resolves once it listens, rejects if it exits first. */
export function launchServerProcess(o: ServerProcessOptions): Promise<ChildProcess> {
  const node = [process.execPath, ...(o.nodeArgs ?? []), '--import', 'tsx', SCRIPT, String(o.port), o.storage];
  const [cmd, ...args] = o.maxFiles ? ['prlimit', `--nofile=${o.maxFiles}:${o.maxFiles}`, ...node] : node;
  const child = spawn(cmd!, args, {
    stdio: o.ipc ? ['ignore', 'pipe', 'inherit', 'ipc'] : ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...o.env },
  });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve(child));
    child.once('exit', (code) => reject(new Error(`server process exited with ${code}`)));
  });
}

/** Stops it with SIGTERM (a clean shutdown) and waits, if it still runs. */
export async function stopServerProcess(child: ChildProcess | null | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}
