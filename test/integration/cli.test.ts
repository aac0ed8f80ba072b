import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { findJanus } from '../../src/server/sfu/launch.ts';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readConfig } from '../../src/server/cli/config.ts';
import { EVENT } from '../../src/sdk/index.ts';
import { connectClient } from './harness.ts';
import { bearer, post } from './http-client.ts';
import { runAdmin } from '../support/admin-cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'ringlet-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const tsx = (args: string[]) => execFileSync(process.execPath, ['--import', 'tsx', ...args], { encoding: 'utf8', env: { ...process.env, RINGLET_LOG_LEVEL: 'silent' } });

// Each `tsx` command started here compiles its TypeScript first: seconds each on a loaded
// 2-core machine, several per test. The timeout is a hang guard, not a speed bound.
describe('the command line', { timeout: 120_000 }, () => {
  it('npm run usersig prints a token that the server started on the same data folder accepts', async () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/server/cli/usersig.ts', 'carol', '600', '--data', dir], { encoding: 'utf8', env: { ...process.env, RINGLET_LOG_LEVEL: 'silent' } });
    // stdout is the token alone; stderr says what it is and how long it lives.
    const sig = run.stdout.trim();
    expect(sig.split('.')).toHaveLength(3);
    expect(run.stdout).toBe(`${sig}\n`);
    expect(run.stderr).toMatch(/A UserSig \(login token\) for "carol", valid 600 seconds/);
    // The secret was created once, readable by its owner only, in an owner-only folder.
    expect(statSync(join(dir, 'secret.key')).mode & 0o077).toBe(0);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const server = spawn(process.execPath, ['--import', 'tsx', 'src/server/cli/start.ts', '--port', '0', '--data', dir, '--log-level', 'silent', '--sfu-port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      let out = '';
      const url = await new Promise<string>((resolve, reject) => {
        server.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /Ringlet is running: (ws:\/\/\S+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        server.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
      });
      // npm start says whether classrooms go through the SFU, or how to get it.
      expect(out).toMatch(findJanus() ? /SFU: started Janus .* at ws:\/\/127\.0\.0\.1:\d+/ : /SFU: Janus is not installed.*apt-get install -y janus/);
      const carol = await connectClient(url, 'carol', sig);
      expect((await carol.chat.getGroupList()).code).toBe(0);
      // The admin socket npm start opens in the data folder: owner-only, and it answers.
      expect(statSync(join(dir, 'admin.sock')).mode & 0o777).toBe(0o600);
      expect(JSON.parse((await runAdmin(['online', '--json', '--data', dir])).stdout)).toEqual(['carol']);
      // An operator-minted token is revoked like any other ("sign out everywhere")...
      const kicked = new Promise<any>((r) => carol.chat.on(EVENT.KICKED_OUT, (e: any) => r(e.data)));
      expect((await post(url.replace(/^ws:/, 'http:'), '/api/logout', { everywhere: true }, { headers: bearer(sig) })).status).toBe(200);
      expect(await kicked).toMatchObject({ type: 'userSigExpired' });
      await expect(connectClient(url, 'carol', sig)).rejects.toMatchObject({ code: 70001 });
      // ...and the next one the operator mints is at the new generation, so it works.
      const next = tsx(['src/server/cli/usersig.ts', 'carol', '600', '--data', dir]).trim();
      const again = await connectClient(url, 'carol', next);
      expect((await again.chat.getGroupList()).code).toBe(0);
      await again.chat.destroy();
      await carol.chat.destroy();
    } finally {
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));
    }
  });

  it('says in one line that a busy port is in use, without a stack trace', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as AddressInfo).port;
    try {
      // As `npm start` runs it: the port is checked before the extension is built or Janus started.
      const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/server/cli/start.ts', '--build-extension', '--port', String(port), '--data', dir, '--log-level', 'silent'], { encoding: 'utf8' });
      expect(run.status).toBe(1);
      expect(run.stderr.trim()).toBe(`port ${port} is in use (is Ringlet already running?); pass --port (or RINGLET_PORT) to choose another`);
      expect(run.stdout).toBe('');
    } finally {
      blocker.close();
    }
  });

  it.runIf(findJanus())('Ctrl+C in the terminal stops Janus quietly: no "Janus exited", no lost connection, exit code 0', async () => {
    // Like a terminal: the server leads its own process group and Ctrl+C signals the whole group.
    const server = spawn(process.execPath, ['--import', 'tsx', 'src/server/cli/start.ts', '--port', '0', '--data', dir, '--log-level', 'warn', '--sfu-port', '0'], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    server.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    server.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => server.once('exit', (code) => r(code)));
    await new Promise<void>((resolve, reject) => {
      const check = () => (/Ringlet is running/.test(out) ? resolve() : undefined);
      server.stdout!.on('data', check);
      void exited.then(() => reject(new Error(`server exited early: ${out}`)));
    });
    const janusPid = Number(/started Janus \(pid (\d+)/.exec(out)?.[1]);
    expect(janusPid).toBeGreaterThan(0);
    process.kill(-server.pid!, 'SIGINT');
    expect(await exited).toBe(0);
    expect(out).toContain('SIGINT: shutting down');
    expect(out).not.toMatch(/Janus exited|connection to Janus was lost|starting it again/);
    // Janus was stopped, not left behind.
    expect(() => process.kill(janusPid, 0)).toThrow();
  }, 120_000);

  it('refuses a bad user ID and a bad flag with a usage message', () => {
    expect(() => tsx(['src/server/cli/usersig.ts', 'not valid'])).toThrow(/Usage/);
    expect(() => tsx(['src/server/cli/start.ts', '--port', 'x'])).toThrow(/not a TCP port/);
  });

  it('a cluster (--redis) gets an SFU only when asked: auto becomes off there, an explicit URL is kept', () => {
    const redis = ['--redis', 'redis://127.0.0.1:6379', '--data', dir];
    const off = readConfig(redis, {});
    expect(off !== 'help' && [off.sfu, off.options.sfu]).toEqual([{ mode: 'off' }, undefined]);
    const admin = { url: 'ws://127.0.0.1:7188', secret: 'admin-secret' };
    const adminEnv = { RINGLET_SFU_ADMIN_URL: admin.url, RINGLET_SFU_ADMIN_SECRET: admin.secret };
    const url = readConfig([...redis, '--sfu', 'ws://127.0.0.1:8188', '--sfu-admin-url', admin.url], { RINGLET_SFU_ADMIN_SECRET: admin.secret });
    expect(url !== 'help' && [url.sfu, url.options.sfu]).toEqual([{ mode: 'url' }, { url: 'ws://127.0.0.1:8188', admin }]);
    const env = readConfig(['--data', dir], { RINGLET_REDIS: 'redis://127.0.0.1:6379', RINGLET_SFU: 'ws://127.0.0.1:8188', ...adminEnv });
    expect(env !== 'help' && env.options.sfu).toEqual({ url: 'ws://127.0.0.1:8188', admin });
    // An external Janus without its Admin API: the server could not hand out per-grant tokens.
    expect(() => readConfig([...redis, '--sfu', 'ws://127.0.0.1:8188'], {})).toThrow(/--sfu-admin-url .* --sfu-admin-secret-file/);
    // One node keeps its default: start Janus when installed.
    const one = readConfig(['--data', dir], {});
    expect(one !== 'help' && one.sfu.mode).toBe('auto');
  });

  it('group consent is on unless --no-group-consent or RINGLET_GROUP_CONSENT=0', () => {
    const consent = (argv: string[], env: NodeJS.ProcessEnv) => {
      const c = readConfig(['--data', dir, ...argv], env);
      return c !== 'help' && c.options.groupConsent;
    };
    expect([consent([], {}), consent(['--no-group-consent'], {}), consent([], { RINGLET_GROUP_CONSENT: '0' })]).toEqual([true, false, false]);
  });
});
