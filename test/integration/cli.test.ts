import { execFileSync, spawn } from 'node:child_process';
import { findJanus } from '../../src/server/sfu/launch.ts';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connectClient } from './harness.ts';

const dir = mkdtempSync(join(tmpdir(), 'ringlet-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const tsx = (args: string[]) => execFileSync(process.execPath, ['--import', 'tsx', ...args], { encoding: 'utf8', env: { ...process.env, RINGLET_LOG_LEVEL: 'silent' } });

describe('the command line', () => {
  it('npm run usersig prints a token that the server started on the same data folder accepts', async () => {
    const sig = tsx(['src/server/cli/usersig.ts', 'carol', '600', '--data', dir]).trim();
    expect(sig.split('.')).toHaveLength(3);
    // The secret was created once, readable by its owner only.
    expect(statSync(join(dir, 'secret.key')).mode & 0o077).toBe(0);
    const server = spawn(process.execPath, ['--import', 'tsx', 'src/server/cli/start.ts', '--port', '0', '--data', dir, '--log-level', 'silent', '--sfu-port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      let out = '';
      const url = await new Promise<string>((resolve, reject) => {
        server.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /listening on (ws:\/\/\S+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        server.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
      });
      // npm start says whether classrooms go through the SFU, or how to get it.
      expect(out).toMatch(findJanus() ? /SFU: started Janus .* at ws:\/\/127\.0\.0\.1:\d+/ : /SFU: Janus is not installed.*apt-get install -y janus/);
      const carol = await connectClient(url, 'carol', sig);
      expect((await carol.chat.getGroupList()).code).toBe(0);
      await carol.chat.destroy();
    } finally {
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));
    }
  });

  it('refuses a bad user ID and a bad flag with a usage message', () => {
    expect(() => tsx(['src/server/cli/usersig.ts', 'not valid'])).toThrow(/Usage/);
    expect(() => tsx(['src/server/cli/start.ts', '--port', 'x'])).toThrow(/not a TCP port/);
  });
});
