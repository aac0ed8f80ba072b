/**
 * Keeps Ringlet's Janus running: started once (launch.ts), and started again on the same
 * folder, ports and secrets whenever it exits without being asked to (a crash, a kill,
 * its descriptor limit), after a pause that grows while it keeps failing (0.5 s doubling
 * to 30 s, back to 0.5 s once it stayed up a minute). The Ringlet server notices the lost
 * connection by itself (service.ts) and the call windows rejoin with new grants
 * (src/extension/call/sfu/sfu-call.ts). `npm start` runs it; a systemd unit that runs
 * Janus on its own does the same with `Restart=always` (docs/SECURITY.md "The SFU").
 */
import type { ChildProcess } from 'node:child_process';
import { prepareJanus, sfuOptionsOf, spawnJanus, stopProcess, waitForJanus, type JanusSetup, type LaunchOptions } from './launch.ts';
import type { SfuOptions } from './service.ts';

export interface SupervisedJanus extends JanusSetup {
  /** The running process (another one after each restart). */
  readonly process: ChildProcess;
  /** How many times Janus was started again. */
  readonly restarts: number;
  readonly sfu: SfuOptions;
  /** Called each time a restarted Janus answers again. */
  onRestart: ((restarts: number) => void) | null;
  stop(): Promise<void>;
}

const FIRST_PAUSE_MS = 500;
const MAX_PAUSE_MS = 30_000;
const STABLE_MS = 60_000;

/** Starts Janus and restarts it whenever it exits on its own. `say` hears each exit and restart. */
export async function superviseJanus(o: LaunchOptions, say: (line: string) => void = () => {}): Promise<SupervisedJanus> {
  const setup = await prepareJanus(o);
  let stopping = false;
  let pause = FIRST_PAUSE_MS;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const start = async (): Promise<ChildProcess> => {
    const { child, output } = spawnJanus(setup);
    try {
      await waitForJanus(setup.url, child, 30_000);
    } catch (err) {
      child.kill('SIGKILL');
      throw new Error(`${(err as Error).message}\n${output()}`);
    }
    return child;
  };

  const self: SupervisedJanus = {
    ...setup,
    process: await start().catch((err: unknown) => {
      setup.cleanup();
      throw err;
    }),
    restarts: 0,
    sfu: sfuOptionsOf(setup),
    onRestart: null,
    async stop() {
      stopping = true;
      if (timer) clearTimeout(timer);
      await stopProcess(self.process);
      setup.cleanup();
    },
  };

  const watch = (child: ChildProcess, startedAt: number) => {
    child.once('exit', (code, signal) => {
      if (stopping) return;
      if (Date.now() - startedAt >= STABLE_MS) pause = FIRST_PAUSE_MS;
      say(`SFU: Janus exited (${signal ?? `code ${code}`}); starting it again in ${pause} ms`);
      const again = () => {
        timer = setTimeout(() => {
          if (stopping) return;
          const at = Date.now();
          start().then(
            (next) => {
              if (stopping) return void next.kill('SIGTERM');
              (self as { process: ChildProcess }).process = next;
              (self as { restarts: number }).restarts++;
              say(`SFU: Janus is running again (pid ${next.pid})`);
              watch(next, at);
              self.onRestart?.(self.restarts);
            },
            (err: unknown) => {
              say(`SFU: Janus did not start (${(err as Error).message.split('\n')[0]}); trying again in ${pause} ms`);
              again();
            },
          );
          pause = Math.min(MAX_PAUSE_MS, pause * 2);
        }, pause);
        timer.unref();
      };
      again();
    });
  };
  watch(self.process, Date.now());
  return self;
}
