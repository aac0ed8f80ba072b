#!/usr/bin/env node
// `ringlet-server [options]` runs the server (`--help` lists the options);
// `ringlet-server usersig <userID> [ttlSeconds] [options]` prints a login token for a user.
if (process.argv[2] === 'usersig') {
  process.argv.splice(2, 1);
  await import('../dist/server/cli/usersig.js');
} else {
  await import('../dist/server/cli/start.js');
}
