/** `npm start`: runs the server until SIGINT/SIGTERM, then shuts down gracefully. */
import { startServer } from '../index.ts';
import { createLogger } from '../log.ts';
import { ensurePrivateDir } from '../store/file-modes.ts';
import { banner, listenErrorText } from './banner.ts';
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
ensurePrivateDir(config.dataDir);
// Logs read as text in a terminal and as JSON lines anywhere else (a file, a collector).
const logger = createLogger(config.options.logLevel, { pretty: process.stdout.isTTY === true });
const janus = await startSfuForCli(config, (line) => process.stdout.write(`${line}\n`));
const server = await startServer({ ...config.options, logger }).catch(async (err: unknown) => {
  const text = listenErrorText(err, config.options.port ?? 8787, config.options.host ?? '127.0.0.1');
  if (text === null) throw err;
  process.stderr.write(`${text}\n`);
  await janus?.stop();
  process.exit(1);
});
const store = /^postgres/.test(config.options.storage ?? '') ? 'postgres' : (config.options.storage ?? '');
process.stdout.write(banner({ url: server.url, httpUrl: server.httpUrl, store, registration: config.options.allowRegistration !== false }));

// A stray rejected promise must not take every call down with it: log it and keep serving.
process.on('unhandledRejection', (reason) => {
  process.stderr.write(`unhandled rejection (kept running): ${reason instanceof Error ? reason.stack : String(reason)}\n`);
});

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(1);
    stopping = true;
    process.stdout.write(`${signal}: shutting down\n`);
    server.close().then(() => janus?.stop()).then(() => process.exit(0), () => process.exit(1));
  });
}
