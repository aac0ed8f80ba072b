/**
 * A real Janus for the SFU tests: started with its own config folder and free ports and
 * kept running as `npm start` keeps it (src/server/sfu/supervisor.ts: token_auth, its own
 * user and descriptor limit when the tests run as root, restarted if it dies), ICE on the
 * loopback interface only. Without Janus the suites skip with a printed reason locally;
 * with CI=true they fail.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { JanusAdmin } from '../../src/server/sfu/janus-admin.ts';
import { findJanus } from '../../src/server/sfu/launch.ts';
import { superviseJanus, type SupervisedJanus } from '../../src/server/sfu/supervisor.ts';
import { IN_CI } from './backends.ts';

export function janusAvailable(): boolean {
  if (findJanus()) return true;
  if (IN_CI) throw new Error('janus is not installed (apt-get install -y janus); CI requires it');
  console.warn('SFU tests skipped: janus is not installed (apt-get install -y janus)');
  return false;
}

export type TestJanus = SupervisedJanus & { cleanup(): Promise<void> };

export async function startTestJanus(): Promise<TestJanus> {
  const dir = mkdtempSync(join(tmpdir(), 'ringlet-janus-'));
  const janus = await superviseJanus({ dir: join(dir, 'conf'), iceInterfaces: 'lo', sessionTimeout: 15 });
  return Object.assign(janus, {
    async cleanup() {
      await janus.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  });
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

/**
 * A token Janus accepts (as a participant of some call holds): added through the Admin
 * API as the server adds one per grant. Tests use it to act as an insider of another call.
 */
export async function insiderToken(janus: SupervisedJanus): Promise<string> {
  const admin = await JanusAdmin.connect(janus.sfu.admin);
  try {
    const token = randomBytes(24).toString('base64url');
    await admin.addToken(token);
    return token;
  } finally {
    admin.close();
  }
}
