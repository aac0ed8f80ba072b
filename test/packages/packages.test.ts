/**
 * The packages as someone else gets them: built (`npm run build:packages`), packed with
 * `npm pack`, installed offline into an empty project of plain JavaScript (no tsx, no
 * TypeScript source), and then used there as the README says:
 *   - the README's example runs in Node against a server started from the installed
 *     `ringlet-server` bin, with tokens from `ringlet-server usersig`;
 *   - a TypeScript consumer type-checks against the shipped declarations (nodenext resolution,
 *     the declarations themselves checked), and a wrong call does not;
 *   - the SDK bundled by esbuild rings a call from a page in Chromium;
 *   - a softphone written from Tencent Cloud Chat's documentation (tencent-app/softphone.mjs)
 *     type-checks against the published @tencentcloud/chat declarations and, with only its
 *     import changed, runs against the installed server.
 */
import { build } from 'esbuild';
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM } from '../e2e/helpers.ts';
import { writeOfflineProject } from './offline-project.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const run = promisify(execFile);
/** What the README promises a page pays for the SDK (minified + gzipped); keep it lean. */
const SDK_BUDGET_BYTES = 20 * 1024;

interface Packed {
  filename: string;
  name: string;
  version: string;
}

let work: string;
let app: string;
let server: ChildProcess | undefined;
let url: string;
const sigs: Record<string, string> = {};

const bin = () => join(app, 'node_modules/.bin/ringlet-server');

/** Runs tsc; resolves with its output and whether it passed. */
async function tsc(args: string[], cwd: string): Promise<{ ok: boolean; out: string }> {
  return run(process.execPath, [TSC, ...args], { cwd, maxBuffer: 8 * 1024 * 1024 }).then(
    () => ({ ok: true, out: '' }),
    (err: { stdout?: string }) => ({ ok: false, out: err.stdout ?? String(err) }),
  );
}

function* filesUnder(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* filesUnder(path);
    else yield path;
  }
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'ringlet-packages-'));
  app = join(work, 'app');
  mkdirSync(app);
  execFileSync(process.execPath, ['--import', 'tsx', 'packages/build.ts'], { cwd: ROOT, stdio: 'inherit' });
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', work, './packages/sdk', './packages/server'], { cwd: ROOT, encoding: 'utf8' })) as Packed[];
  writeOfflineProject(app, packed.map((p) => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'packages', p.name.split('/')[1]!, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; bin?: Record<string, string> };
    return { tarball: join(work, p.filename), name: p.name, version: p.version, dependencies: manifest.dependencies, bin: manifest.bin };
  }), join(ROOT, 'package-lock.json'));
  // --ignore-scripts: better-sqlite3's install script would compile SQLite (minutes on this
  // machine); the addon `npm ci` built for this Node is the same version (both locks pin it).
  execFileSync('npm', ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: app, stdio: 'inherit' });
  const addon = 'node_modules/better-sqlite3/build/Release/better_sqlite3.node';
  mkdirSync(join(app, addon, '..'), { recursive: true });
  copyFileSync(join(ROOT, addon), join(app, addon));

  // --no-group-consent: the Tencent app is written from Tencent's documentation, where a
  // group's creator adds its members at once (the seed's behaviour; docs/API.md "groupConsent").
  server = spawn(bin(), ['--port', '0', '--data', './data', '--sfu', 'off', '--no-group-consent'], { cwd: app, stdio: ['ignore', 'pipe', 'inherit'] });
  url = await new Promise<string>((resolve, reject) => {
    let out = '';
    server!.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Ringlet is running: (ws:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    server!.once('exit', (code) => reject(new Error(`ringlet-server exited with ${code}: ${out}`)));
  });
  for (const user of ['alice', 'bob', 'carol', 'dave']) {
    sigs[user] = execFileSync(bin(), ['usersig', user, '3600', '--data', './data'], { cwd: app, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  }
}, 180_000);

afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server!.once('exit', r));
    server.kill('SIGTERM');
    await exited;
  }
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packed SDK and server, installed offline into an empty project', () => {
  it('ship compiled JavaScript with declarations and no TypeScript source', () => {
    const files = [...filesUnder(join(app, 'node_modules/@ringlet'))].map((f) => f.slice(app.length + 1));
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files).toContain('node_modules/@ringlet/sdk/dist/sdk/index.d.ts');
    expect(files).toContain('node_modules/@ringlet/sdk/dist/sdk/tencent.d.ts');
    // every server file is compiled, not only those the entries reach (a worker entry is found beside its caller)
    const sources = [...filesUnder(join(ROOT, 'src/server'))].filter((f) => f.endsWith('.ts')).map((f) => f.slice(ROOT.length + 'src/'.length).replace(/\.ts$/, '.js'));
    expect(sources.filter((s) => !files.includes(`node_modules/@ringlet/server/dist/${s}`))).toEqual([]);
    expect(readdirSync(join(app, 'node_modules'))).not.toContain('tsx');
  });

  it("run the README's example in Node against the installed ringlet-server", async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Installing the packages'));
    const example = /```js\n([\s\S]*?)```/.exec(section)?.[1];
    expect(example).toContain("from '@ringlet/sdk'");
    writeFileSync(join(app, 'call.mjs'), example!);
    const { stdout } = await run(process.execPath, ['call.mjs'], { cwd: app, env: { ...process.env, RINGLET_URL: url, ALICE_SIG: sigs.alice, BOB_SIG: sigs.bob }, timeout: 30_000 });
    expect(stdout).toMatch(/^bob accepted [0-9a-f-]{36}$/m);
  });

  it('type-check a TypeScript consumer against the declarations, and refuse a wrong call', async () => {
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true, skipLibCheck: false, lib: ['ES2022', 'DOM'], types: [] },
      files: ['consumer.ts'],
    }));
    const consumer = `
import { createChat, ErrorCode, RingletError, TSignaling, type SignalingResponse } from '@ringlet/sdk';
import TencentCloudChat, { type TencentChat } from '@ringlet/sdk/tencent';

const chat = createChat({ server: 'ws://127.0.0.1:8787' });
chat.addSignalingListener(TSignaling.NEW_INVITATION_RECEIVED, ({ data }) => {
  const seconds: number = data.remaining;
  const from: string = data.inviter;
  void seconds; void from;
});
export async function ring(): Promise<string> {
  try {
    const response: SignalingResponse = await chat.invite({ userID: 'bob', data: '{}', timeout: 30 });
    return response.inviteID;
  } catch (err) {
    if (err instanceof RingletError && err.code === ErrorCode.USER_NOT_FOUND) return '';
    throw err;
  }
}
const tencent: TencentChat = TencentCloudChat.create({ SDKAppID: 0, proxyServer: 'ws://127.0.0.1:8787' });
tencent.addSignalingListener(TencentCloudChat.TSignaling.INVITEE_ACCEPTED, ({ data }) => {
  const who: string = data.invitee;
  void who;
});
`;
    writeFileSync(join(app, 'consumer.ts'), consumer);
    const good = await tsc(['-p', 'tsconfig.json'], app);
    expect(good.out).toBe('');
    expect(good.ok).toBe(true);
    // the declarations are types, not any: a timeout given as text does not compile
    writeFileSync(join(app, 'consumer.ts'), consumer.replace("timeout: 30 }", "timeout: '30' }"));
    const bad = await tsc(['-p', 'tsconfig.json'], app);
    expect(bad.ok).toBe(false);
    expect(bad.out).toMatch(/consumer\.ts.*timeout|consumer\.ts.*string/s);
  });

  it('embed the server: startServer from @ringlet/server runs in Node and type-checks with Node\'s types alone', async () => {
    const embed = `
import { startServer } from '@ringlet/server';
const server = await startServer({ port: 0, storage: ':memory:' });
const sig = await server.userSig('erin', 60);
console.log(server.url.startsWith('ws://') && sig.split('.').length === 3 ? 'embedded' : 'wrong');
await server.close();
`;
    writeFileSync(join(app, 'embed.mjs'), embed);
    const { stdout } = await run(process.execPath, ['embed.mjs'], { cwd: app, timeout: 30_000 });
    expect(stdout.trim()).toBe('embedded');

    writeFileSync(join(app, 'embed.ts'), `${embed}export {};\n`);
    const typed = await tsc(['--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--skipLibCheck', 'false', '--typeRoots', join(ROOT, 'node_modules/@types'), '--types', 'node', 'embed.ts'], app);
    expect(typed.out).toBe('');
    expect(typed.ok).toBe(true);
  });

  describe('in Chromium', () => {
    let http: Server;
    let browser: Browser;
    let js: string;
    afterAll(async () => {
      await browser?.close();
      if (http) await new Promise((r) => http.close(r));
    });

    it('bundled by esbuild, the SDK rings a call from a page', async () => {
      writeFileSync(join(app, 'page.js'), `
import { createChat, TSignaling } from '@ringlet/sdk';
globalThis.ring = async (server, userSig, callee) => {
  const chat = createChat({ server });
  await chat.login({ userID: 'carol', userSig });
  const accepted = new Promise((resolve) => chat.addSignalingListener(TSignaling.INVITEE_ACCEPTED, ({ data }) => resolve(data)));
  const { inviteID } = await chat.invite({ userID: callee, data: JSON.stringify({ roomID: 7 }), timeout: 30 });
  const { invitee, data } = await accepted;
  await chat.destroy();
  return { inviteID, invitee, data };
};
`);
      const bundle = await build({ entryPoints: [join(app, 'page.js')], absWorkingDir: app, bundle: true, minify: true, format: 'esm', platform: 'browser', target: 'es2022', write: false });
      js = bundle.outputFiles[0]!.text;
      const gzipped = gzipSync(js).length;
      console.log(`SDK page bundle: ${(js.length / 1024).toFixed(1)} KB minified, ${(gzipped / 1024).toFixed(1)} KB minified+gzipped`);
      expect(gzipped).toBeLessThan(SDK_BUDGET_BYTES);

      http = createServer((req, res) => {
        if (req.url === '/page.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
        res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>ringlet</title><script type="module" src="/page.js"></script>');
      });
      await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));

      // dave answers in Node, with the installed package
      const sdk = (await import(pathToFileURL(join(app, 'node_modules/@ringlet/sdk/dist/sdk/index.js')).href)) as typeof import('../../src/sdk/index.ts');
      const dave = sdk.createChat({ server: url });
      await dave.login({ userID: 'dave', userSig: sigs.dave! });
      dave.addSignalingListener(sdk.TSignaling.NEW_INVITATION_RECEIVED, ({ data }) => {
        void dave.accept({ inviteID: data.inviteID, data: data.data });
      });

      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${(http.address() as AddressInfo).port}/`);
      await page.waitForFunction(() => 'ring' in globalThis);
      const result = await page.evaluate(
        ([server, userSig]) => (globalThis as unknown as { ring(s: string, u: string, c: string): Promise<{ inviteID: string; invitee: string; data: string }> }).ring(server!, userSig!, 'dave'),
        [url, sigs.carol],
      );
      await dave.destroy();
      expect(result.invitee).toBe('dave');
      expect(result.inviteID).toMatch(/^[0-9a-f-]{36}$/);
      expect(JSON.parse(result.data)).toEqual({ roomID: 7 });
    });
  });

  describe("Tencent Cloud Chat's shape (@ringlet/sdk/tencent)", () => {
    const source = readFileSync(join(ROOT, 'test/packages/tencent-app/softphone.mjs'), 'utf8');
    const TENCENT_IMPORT = "import TencentCloudChat from '@tencentcloud/chat';";
    const RINGLET_IMPORT = "import TencentCloudChat from '@ringlet/sdk/tencent';";
    const checkJs = ['--noEmit', '--allowJs', '--checkJs', '--strict', '--target', 'es2022', '--module', 'esnext', '--moduleResolution', 'bundler', '--types', 'node'];

    it('the documentation-only app type-checks against the published @tencentcloud/chat declarations', async () => {
      expect(source).toContain(TENCENT_IMPORT);
      // skipLibCheck: the published index.d.ts has an error of its own (callExperimentalAPI without a return type)
      const r = await tsc([...checkJs, '--skipLibCheck', join(ROOT, 'test/packages/tencent-app/softphone.mjs')], ROOT);
      expect(r.out).toBe('');
      expect(r.ok).toBe(true);
      // the check bites: an invitee misnamed against Tencent's INVITE_OPTIONS does not compile
      const dir = join(work, 'tencent-check');
      mkdirSync(dir);
      symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
      writeFileSync(join(dir, 'softphone.mjs'), source.replace('chat.invite({ userID: peerID,', 'chat.invite({ userId: peerID,'));
      const bad = await tsc([...checkJs, '--skipLibCheck', 'softphone.mjs'], dir);
      expect(bad.ok).toBe(false);
      expect(bad.out).toContain('userId');
    });

    it('with only its import changed, it type-checks against @ringlet/sdk/tencent and calls through the installed server', async () => {
      const ported = source.replace(TENCENT_IMPORT, RINGLET_IMPORT);
      const changed = ported.split('\n').filter((line, i) => line !== source.split('\n')[i]);
      expect(changed).toEqual([RINGLET_IMPORT]);
      writeFileSync(join(app, 'softphone.mjs'), ported);
      // node types come from the repository (the consumer project installs none)
      const typed = await tsc([...checkJs, '--skipLibCheck', '--typeRoots', join(ROOT, 'node_modules/@types'), 'softphone.mjs'], app);
      expect(typed.out).toBe('');
      expect(typed.ok).toBe(true);

      const env = (role: string, user: string, peer: string) => ({ ...process.env, ROLE: role, USER_ID: user, PEER_ID: peer, USER_SIG: sigs[user], CHAT_SERVER: url });
      const lines = (text: string) => text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      // the callee first, so that it hears every invitation live
      const callee = spawn(process.execPath, ['softphone.mjs'], { cwd: app, env: env('callee', 'bob', 'alice'), stdio: ['ignore', 'pipe', 'inherit'] });
      let calleeOut = '';
      callee.stdout.on('data', (d: Buffer) => (calleeOut += d.toString()));
      const calleeDone = new Promise<number | null>((r) => callee.once('exit', r));
      await expect.poll(() => calleeOut, { timeout: 15_000 }).toContain('"step":"ready"');
      const { stdout } = await run(process.execPath, ['softphone.mjs'], { cwd: app, env: env('caller', 'alice', 'bob'), timeout: 30_000 });
      expect(await calleeDone).toBe(0);

      const caller = lines(stdout);
      expect(caller.map((l) => l.step)).toEqual(['accepted', 'rejected', 'modified', 'cancel', 'timed out', 'hand raised', 'done']);
      expect(caller[0]).toMatchObject({ invitee: 'bob', data: JSON.stringify({ roomID: 1 }) });
      expect(caller[1]).toMatchObject({ invitee: 'bob', data: JSON.stringify({ reason: 'busy' }) });
      expect(caller[2]).toMatchObject({ code: 0 });
      expect(caller[3]).toMatchObject({ code: 0 });
      expect(caller[4]).toMatchObject({ inviteeList: ['bob'], isSelfTimeout: false });
      expect(caller[5]).toMatchObject({ invitee: 'bob' });
      expect(caller[5]!.groupID).toMatch(/\S/);
      // the history messages the caller received, read with getSignalingInfo: accept, reject, timeout, accept, accept
      // (modifyInvitation leaves none: API.md "modifyInvitation")
      expect(caller[6]!.history).toEqual([3, 4, 5, 3, 3]);

      const heard = lines(calleeOut);
      expect(heard.map((l) => l.step)).toEqual(['ready', 'ring', 'ring', 'ring', 'modified', 'cancelled', 'ring', 'timed out', 'ring', 'ring', 'hung up']);
      expect(heard.find((l) => l.step === 'modified')).toMatchObject({ inviteID: caller[2]!.inviteID, data: JSON.stringify({ action: 'call', roomID: 3, answer: 'none', note: 'changed' }) });
      expect(heard.find((l) => l.step === 'cancelled')!.inviteID).toBe(caller[3]!.inviteID);
      expect(heard.find((l) => l.step === 'timed out')).toMatchObject({ inviteID: caller[4]!.inviteID, isSelfTimeout: true });
      expect(heard.at(-1)).toMatchObject({ duration: 42 });
    });
  });
});
