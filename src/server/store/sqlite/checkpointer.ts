/**
 * Moves WAL checkpoints off the event loop. With automatic checkpoints, the COMMIT that
 * crosses the WAL's size limit copies every page back into the database file and fsyncs
 * it, stalling every session for tens of milliseconds. Here a worker thread with its own
 * connection runs PASSIVE checkpoints (they never block the writer) every interval, and
 * the serving connection turns automatic checkpoints off.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

// Plain CommonJS, evaluated in the worker: no loader or transpiler needed there.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 1000');
const checkpoint = () => { try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (err) { parentPort.postMessage({ error: String(err) }); } };
let timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m === 'pause') {
    clearInterval(timer);
    parentPort.postMessage('paused');
    return;
  }
  if (m === 'resume') {
    clearInterval(timer);
    timer = setInterval(checkpoint, workerData.intervalMs);
    return;
  }
  if (m !== 'stop') return;
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.postMessage('stopped');
});
`;

export class Checkpointer {
  readonly #worker: Worker;

  private constructor(worker: Worker) {
    this.#worker = worker;
  }

  /** Starts the worker for the database file at `path`; null if a worker cannot run here. */
  static start(path: string, intervalMs = 100, onError: (err: string) => void = () => undefined): Checkpointer | null {
    try {
      const module = createRequire(import.meta.url).resolve('better-sqlite3');
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, module, intervalMs } });
      worker.on('message', (m: unknown) => {
        if (typeof m === 'object' && m !== null && 'error' in m) onError(String((m as { error: unknown }).error));
      });
      worker.on('error', (err) => onError(String(err)));
      worker.unref();
      return new Checkpointer(worker);
    } catch (err) {
      onError(String(err));
      return null;
    }
  }

  /**
   * Stops the worker's checkpoints until `resume()`. Resolves once the worker has answered:
   * its thread runs one message or one checkpoint at a time, so no checkpoint of its own is
   * running then, and a RESTART checkpoint on the serving connection cannot find it busy.
   */
  pause(): Promise<void> {
    return new Promise<void>((resolve) => {
      const onMessage = (m: unknown): void => {
        if (m !== 'paused') return;
        this.#worker.off('message', onMessage);
        this.#worker.off('exit', onExit);
        resolve();
      };
      const onExit = (): void => {
        this.#worker.off('message', onMessage);
        resolve();
      };
      this.#worker.on('message', onMessage);
      this.#worker.once('exit', onExit);
      this.#worker.postMessage('pause');
    });
  }

  resume(): void {
    this.#worker.postMessage('resume');
  }

  /** Runs a last checkpoint and stops the worker. */
  async stop(): Promise<void> {
    // Hold the event loop open until the worker has answered (it is unref'd while serving).
    this.#worker.ref();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, 2000);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#worker.once('message', done);
      this.#worker.once('exit', done);
      this.#worker.postMessage('stop');
    });
    await this.#worker.terminate();
  }
}
