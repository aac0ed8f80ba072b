/**
 * A real Janus for the SFU tests: started with its own config folder and free ports
 * (src/server/sfu/launch.ts), ICE on the loopback interface only. Without Janus the
 * suites skip with a printed reason locally; with CI=true they fail.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findJanus, launchJanus, type LaunchedJanus } from '../../src/server/sfu/launch.ts';
import { IN_CI } from './backends.ts';

export function janusAvailable(): boolean {
  if (findJanus()) return true;
  if (IN_CI) throw new Error('janus is not installed (apt-get install -y janus); CI requires it');
  console.warn('SFU tests skipped: janus is not installed (apt-get install -y janus)');
  return false;
}

export async function startTestJanus(): Promise<LaunchedJanus & { cleanup(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'ringlet-janus-'));
  const janus = await launchJanus({ dir: join(dir, 'conf'), iceInterfaces: 'lo', sessionTimeout: 15 });
  return {
    ...janus,
    async cleanup() {
      await janus.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `probe` until it returns a value other than undefined (a condition, not a sleep). */
export async function until<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
