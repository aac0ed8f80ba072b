/**
 * `npm run admin -- <command>`: accounts, who is online, backup and restore (docs/ADMIN.md).
 * Account changes go straight to the store (SQLite file or PostgreSQL) with a row in
 * admin_log; running nodes read that row within a second and kick the sessions it
 * revoked (auth/admin-watch.ts). `online` asks a running node over its admin socket.
 * Takes the server's --data / --store / --admin-socket (and their environment variables).
 */
import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { hostname, userInfo } from 'node:os';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Admin, AdminError } from '../auth/admin.ts';
import { ensurePrivateDir } from '../store/file-modes.ts';
import { openStore, type Store } from '../store/index.ts';
import { backupSqlite, restoreSqlite } from '../store/sqlite/backup.ts';
import { readConfig } from './config.ts';

const HELP = `Usage: npm run admin -- <command> [options]

Accounts (every change is recorded in the admin_log table and the server's log):
  users add <userID> [--password-stdin]   create an account (prints a generated password unless one is read from stdin)
  users list [--json]                     every account: created, password set, disabled, deleted
  users disable <userID>                  refuse every sign-in; revokes every token, kicks live sessions on every node
  users enable <userID>                   allow sign-in again (old tokens stay revoked)
  users reset-password <userID> [--password-stdin]   new password (generated unless read from stdin); revokes every token
  users delete <userID> --yes             tombstone the account: leaves its groups, ID never reused (docs/ADMIN.md)
  online [--json]                         users with a live session on any node (asks a running node)
  log [--json]                            every change made with this command, oldest first (the admin_log table)
Backups:
  backup <file>                           online copy of the store while the server runs (SQLite: VACUUM INTO; PostgreSQL: pg_dump)
  restore <file> --yes                    replace the store with a backup (stop every node first)

Options (as for npm start):
  --data <dir>          RINGLET_DATA_DIR      default ./data
  --store <url|path>    RINGLET_STORE         default <data>/ringlet.sqlite; or postgres://…
  --admin-socket <path> RINGLET_ADMIN_SOCKET  default <data>/admin.sock
`;

class UsageError extends Error {}

const { values, positionals } = (() => {
  try {
    return parseArgs({
      args: process.argv.slice(2),
      allowPositionals: true,
      strict: true,
      options: {
        data: { type: 'string' },
        store: { type: 'string' },
        'admin-socket': { type: 'string' },
        json: { type: 'boolean' },
        'password-stdin': { type: 'boolean' },
        yes: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${HELP}`);
    process.exit(2);
  }
})();

if (values.help || positionals.length === 0) {
  process.stdout.write(HELP);
  process.exit(values.help ? 0 : 2);
}

const serverArgs = [
  ...(values.data ? ['--data', values.data] : []),
  ...(values.store ? ['--store', values.store] : []),
  ...(values['admin-socket'] ? ['--admin-socket', values['admin-socket']] : []),
];
const config = readConfig(serverArgs, process.env);
if (config === 'help') process.exit(0);
const storage = config.options.storage!;
const isPostgres = /^postgres(ql)?:\/\//.test(storage);

try {
  await run(positionals);
} catch (err) {
  if (err instanceof UsageError) {
    process.stderr.write(`${err.message}\n\n${HELP}`);
    process.exit(2);
  }
  process.stderr.write(`${err instanceof AdminError ? '' : 'error: '}${(err as Error).message}\n`);
  process.exit(1);
}

async function run([cmd, verb, arg, ...extra]: string[]): Promise<void> {
  if (cmd === 'online') return online();
  if (cmd === 'log') return history();
  if (cmd === 'backup') return backup(one(verb, 'a backup file name', arg));
  if (cmd === 'restore') return restore(one(verb, 'the backup file', arg));
  if (cmd !== 'users') throw new UsageError(`unknown command: ${cmd}`);
  if (verb === 'list') {
    if (arg !== undefined) throw new UsageError('users list takes no argument');
    return list();
  }
  const userID = one(arg, 'a userID', extra[0]);
  const store = await open();
  const admin = new Admin({ store, actor: `${userInfo().username}@${hostname()}`, clock: Date.now });
  try {
    switch (verb) {
      case 'add': {
        const given = await password();
        const { password: pw } = await admin.add(userID, given);
        say(`added ${userID}`);
        if (given === null) process.stdout.write(`password: ${pw}\n`);
        return;
      }
      case 'disable':
        await admin.disable(userID);
        return say(`disabled ${userID}: sign-in refused, every token revoked; live sessions are kicked within a second`);
      case 'enable':
        await admin.enable(userID);
        return say(`enabled ${userID}`);
      case 'reset-password': {
        const given = await password();
        const { password: pw } = await admin.resetPassword(userID, given);
        say(`new password set for ${userID}; every earlier token revoked`);
        if (given === null) process.stdout.write(`password: ${pw}\n`);
        return;
      }
      case 'delete':
        if (!values.yes) throw new UsageError(`users delete removes ${userID} for good: add --yes`);
        await admin.delete(userID);
        return say(`deleted ${userID}`);
      default:
        throw new UsageError(`unknown users command: ${verb ?? '(none)'}`);
    }
  } finally {
    await store.close();
  }
}

async function list(): Promise<void> {
  const store = await open();
  try {
    const admin = new Admin({ store, actor: '', clock: Date.now });
    const day = (t: number | null) => (t === null ? '' : new Date(t).toISOString().slice(0, 16).replace('T', ' '));
    if (!values.json) process.stdout.write(`${'user'.padEnd(24)} ${'created (UTC)'.padEnd(16)} password  state\n`);
    for await (const u of admin.list()) {
      if (values.json) {
        process.stdout.write(`${JSON.stringify(u)}\n`);
        continue;
      }
      const state = u.deletedAt !== null ? `deleted ${day(u.deletedAt)}` : u.disabledAt !== null ? `disabled ${day(u.disabledAt)}` : 'active';
      process.stdout.write(`${u.userID.padEnd(24)} ${day(u.createdAt).padEnd(16)} ${(u.hasPassword ? 'yes' : 'no').padEnd(9)} ${state}\n`);
    }
  } finally {
    await store.close();
  }
}

async function history(): Promise<void> {
  const store = await open();
  try {
    for await (const e of new Admin({ store, actor: '', clock: Date.now }).history()) {
      if (values.json) process.stdout.write(`${JSON.stringify(e)}\n`);
      else process.stdout.write(`${new Date(e.at).toISOString().slice(0, 19).replace('T', ' ')}  ${e.actor}  ${e.action} ${e.userID}: ${e.detail}\n`);
    }
  } finally {
    await store.close();
  }
}

async function online(): Promise<void> {
  const users = await askNode('/online').then((body) => (JSON.parse(body) as { online: string[] }).online);
  if (values.json) process.stdout.write(`${JSON.stringify(users)}\n`);
  else process.stdout.write(users.length === 0 ? 'nobody is online\n' : `${users.join('\n')}\n`);
}

async function backup(file: string): Promise<void> {
  if (isPostgres) {
    say(`backing up the PostgreSQL store to ${file} with pg_dump: one snapshot, the nodes keep serving`);
    pg('pg_dump', ['--format=custom', '--no-owner', `--file=${file}`, `--dbname=${storage}`]);
    return say(`PostgreSQL store dumped to ${file} (pg_dump custom format)`);
  }
  say(`backing up ${storage} to ${file}: one snapshot, the server keeps serving`);
  const info = backupSqlite(storage, file);
  say(`backed up ${storage} to ${file}: ${info.bytes} bytes, schema ${info.schemaVersion}, ${info.users} users, ${info.openInvitations} open invitations`);
}

async function restore(file: string): Promise<void> {
  if (!values.yes) throw new UsageError(`restore replaces the store ${isPostgres ? '' : `at ${storage} `}with ${file}: stop every node, then add --yes`);
  if (await askNode('/online').then(() => true, () => false)) throw new AdminError('a server is running on this store (its admin socket answers): stop it first');
  if (isPostgres) {
    pg('pg_restore', ['--clean', '--if-exists', '--no-owner', '--single-transaction', `--dbname=${storage}`, file]);
    return say(`PostgreSQL store restored from ${file}`);
  }
  const { info, movedAside } = restoreSqlite(file, storage);
  say(`restored ${storage} from ${file}: schema ${info.schemaVersion}, ${info.users} users, ${info.openInvitations} open invitations`);
  if (movedAside) say(`the replaced database is kept at ${movedAside}`);
}

/** The store, made (with its 0700 folder) when it does not exist yet: accounts may come before the first start. */
function open(): Promise<Store> {
  if (!isPostgres) ensurePrivateDir(dirname(resolve(storage)));
  return openStore(storage);
}

function pg(tool: string, args: string[]): void {
  const r = spawnSync(tool, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.error) throw new AdminError(`${tool} could not run (${r.error.message}): install the PostgreSQL client tools`);
  if (r.status !== 0) throw new AdminError(`${tool} failed (exit ${r.status})`);
}

/** GET `path` on the admin socket of a running node. */
function askNode(path: string): Promise<string> {
  const socketPath = config === 'help' ? undefined : config.options.adminSocket;
  if (!socketPath) return Promise.reject(new AdminError('no admin socket (--admin-socket off)'));
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: 'GET', timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new AdminError(`the node answered ${res.statusCode}: ${body}`))));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (err) => reject(new AdminError(`no running node answers at ${socketPath} (${err.message}); is the server running with this --data?`)));
    req.end();
  });
}

/** The password read from stdin with --password-stdin, else null (generate one). */
async function password(): Promise<string | null> {
  if (!values['password-stdin']) return null;
  let text = '';
  process.stdin.setEncoding('utf8');
  for await (const chunk of process.stdin) text += chunk as string;
  return text.replace(/\r?\n$/, '');
}

function one(value: string | undefined, what: string, extra: string | undefined): string {
  if (value === undefined) throw new UsageError(`missing ${what}`);
  if (extra !== undefined) throw new UsageError(`unexpected argument: ${extra}`);
  return value;
}

function say(line: string): void {
  process.stderr.write(`${line}\n`);
}
