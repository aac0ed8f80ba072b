/** `npm start`: runs the server until SIGINT/SIGTERM, then shuts down gracefully. */
import { mkdirSync } from 'node:fs';
import { startServer } from '../index.ts';
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
mkdirSync(config.dataDir, { recursive: true });
const janus = await startSfuForCli(config, (line) => process.stdout.write(`${line}\n`));
const server = await startServer(config.options);
process.stdout.write(`Ringlet listening on ${server.url} (health: ${server.httpUrl}/healthz, store: ${/^postgres/.test(config.options.storage ?? '') ? 'postgres' : config.options.storage})\n`);

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
