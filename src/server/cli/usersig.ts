/**
 * `npm run usersig -- <userID> [ttlSeconds]`: prints a UserSig valid on the local server.
 * The token alone goes to stdout (so `$(npm run -s usersig -- alice)` works); what it is
 * and how long it lives goes to stderr.
 */
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
const token = await sigs.sign(userID, ttl, now, generation).catch((err: unknown) => {
  // A disabled or deleted account (npm run admin, docs/ADMIN.md) gets no token.
  process.stderr.write(`${(err as Error).message}: no UserSig for it (npm run admin -- users enable ${userID})\n`);
  process.exit(1);
});
const until = new Date(now + ttl * 1000);
process.stderr.write(
  `A UserSig (login token) for "${userID}", valid ${describe(ttl)} (until ${until.toISOString().replace('T', ' ').slice(0, 16)} UTC).\n`
  + 'Use it with the SDK, chat.login({ userID, userSig }), or set the account\'s first password with it:\n'
  + 'POST /api/password {"password": "…"} with the header "Authorization: Bearer <token>".\n'
  + 'Keep it secret: it acts as this user. Revoke it (and every other token of the user) with\n'
  + 'POST /api/logout {"everywhere": true} using it as bearer, or by changing the password.\n',
);
process.stdout.write(`${token}\n`);

function describe(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400} day${seconds === 86400 ? '' : 's'}`;
  if (seconds % 3600 === 0) return `${seconds / 3600} hour${seconds === 3600 ? '' : 's'}`;
  return `${seconds} seconds`;
}
