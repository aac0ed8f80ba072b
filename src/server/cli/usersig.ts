/** `npm run usersig -- <userID> [ttlSeconds]`: prints a UserSig valid on the local server. */
import { openStore } from '../store/index.ts';
import { loadOrCreateSecret } from '../auth/secret.ts';
import { UserSigs } from '../auth/usersig.ts';
import { ID_PATTERN } from '../../protocol/limits.ts';
import { readConfig } from './config.ts';

const [userID, ttlArg, ...rest] = process.argv.slice(2);
if (!userID || !ID_PATTERN.test(userID)) {
  process.stderr.write('Usage: npm run usersig -- <userID> [ttlSeconds] [server options]\n  userID: 1-64 characters of [A-Za-z0-9_.@-]\n');
  process.exit(2);
}
const ttl = ttlArg === undefined ? 86400 : Number(ttlArg);
if (!Number.isInteger(ttl) || ttl <= 0) {
  process.stderr.write('ttlSeconds must be a positive integer\n');
  process.exit(2);
}
const config = readConfig(rest, process.env);
if (config === 'help') process.exit(0);
const sigs = new UserSigs(config.options.secret ?? loadOrCreateSecret({ secret: process.env.RINGLET_SECRET, dataDir: config.dataDir }));
// Register the user so that others can invite them at once, and sign at the user's
// current token generation: "sign out everywhere" and a password change revoke it too.
const store = await openStore(config.options.storage ?? '');
const now = Date.now();
const generation = await store.write(async (tx) => {
  await tx.ensureUser(userID, now);
  return tx.tokenGeneration(userID);
});
await store.close();
process.stdout.write(`${await sigs.sign(userID, ttl, now, generation)}\n`);
