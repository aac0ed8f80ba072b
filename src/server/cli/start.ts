/** `npm start`: runs the server until SIGINT/SIGTERM, then shuts down gracefully. */
import { spawnSync } from 'node:child_process';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../index.ts';
import { createLogger } from '../log.ts';
import { ensurePrivateDir } from '../store/file-modes.ts';
import { banner, listenErrorText } from './banner.ts';
import { portBusy } from './port-check.ts';
import { startSfuForCli } from './sfu.ts';
import { HELP, readConfig } from './config.ts';

const config = (() => {
  try {
    return readConfig(process.argv.slice(2), process.env);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${HELP}`);
    process.exit(2);
  }
})();
if (config === 'help') {
  process.stdout.write(HELP);
  process.exit(0);
}
const port = config.options.port ?? 8787;
const host = config.options.host ?? '127.0.0.1';
// Before building or starting Janus: a second `npm start` must not rebuild the extension
// under the running copy nor start a Janus only to stop it again.
const busy = await portBusy(port, host);
if (busy) {
  process.stderr.write(`${listenErrorText(busy, port, host) ?? busy.message}\n`);
  process.exit(1);
}
if (config.buildExtension) {
  const build = spawnSync('npm', ['run', '-s', 'build:ext'], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
ensurePrivateDir(config.dataDir);
// Logs read as text in a terminal and as JSON lines anywhere else (a file, a collector).
const logger = createLogger(config.options.logLevel, { pretty: process.stdout.isTTY === true });
const janus = await startSfuForCli(config, (line) => process.stdout.write(`${line}\n`));
const server = await startServer({ ...config.options, logger }).catch(async (err: unknown) => {
  const text = listenErrorText(err, port, host);
  if (text === null) throw err;
  process.stderr.write(`${text}\n`);
  await janus?.stop();
  process.exit(1);
});
const store = /^postgres/.test(config.options.storage ?? '') ? 'postgres' : (config.options.storage ?? '');
// Compiled (.js) is the installed @ringlet/server's `ringlet-server`; .ts under tsx is the repository.
const packaged = extname(fileURLToPath(import.meta.url)) === '.js';

// A stray rejected promise must not take every call down with it: log it and keep serving.
process.on('unhandledRejection', (reason) => {
  process.stderr.write(`unhandled rejection (kept running): ${reason instanceof Error ? reason.stack : String(reason)}\n`);
});

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) {
      janus?.process.kill('SIGKILL');
      process.exit(1);
    }
    stopping = true;
    process.stdout.write(`${signal}: shutting down\n`);
    server.close().then(() => janus?.stop()).then(() => process.exit(0), () => process.exit(1));
  });
}

// The banner last: whoever reads "Ringlet is running" may signal at once, and the handlers are in place.
process.stdout.write(banner({
  url: server.url, httpUrl: server.httpUrl, store, registration: config.options.allowRegistration !== false,
  extensionBuilt: config.buildExtension, usersig: packaged ? 'ringlet-server usersig' : 'npm run -s usersig --',
}));
