/** What the server prints once it listens: where, and what a person does next. */
export interface BannerInput {
  url: string;
  httpUrl: string;
  store: string;
  registration: boolean;
  /** `npm start` built the extension into .output (the repository); else the installed `ringlet-server`. */
  extensionBuilt: boolean;
  /** The command that prints a UserSig here: `npm run usersig --` or `ringlet-server usersig`. */
  usersig: string;
}

export function banner(o: BannerInput): string {
  const load = o.extensionBuilt
    ? `  1. Chrome: chrome://extensions → Developer mode → Load unpacked → .output/chrome-mv3
  2. Firefox: about:debugging#/runtime/this-firefox → Load Temporary Add-on…
     → .output/firefox-mv3/manifest.json
`
    : `  1. Install the Ringlet extension in Chrome or Firefox (or build it from the repository:
     npm start there prints how to load it).
`;
  const step = o.extensionBuilt ? 3 : 2;
  const account = o.registration
    ? `  ${step}. In the options page that opens, enter the server ${o.url}, a user ID and a
     password, and press "Create account" (or "Sign in" if you already have one).`
    : `  ${step}. Registration is off (--no-registration): the options page only signs in. Give a user ID
     its first password with: curl -H "Authorization: Bearer $(${o.usersig} <userID>)"
     -H 'Content-Type: application/json' -d '{"password":"…"}' ${o.httpUrl}/api/password`;
  return `
Ringlet is running: ${o.url}  (health ${o.httpUrl}/healthz, store ${o.store})

${load}${account}

Programs using @ringlet/sdk sign in with a UserSig: ${o.usersig} <userID>
Press Ctrl+C to stop.
`;
}

/** A one-line explanation for a listen error a person can fix, or null for anything else. */
export function listenErrorText(err: unknown, port: number, host: string): string | null {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === 'EADDRINUSE') return `port ${port} is in use (is Ringlet already running?); pass --port (or RINGLET_PORT) to choose another`;
  if (code === 'EACCES') return `no permission to listen on port ${port}; pass --port with a port above 1023`;
  if (code === 'EADDRNOTAVAIL') return `address ${host} is not on this machine; pass --host`;
  return null;
}
