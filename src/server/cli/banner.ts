/** What `npm start` prints once it listens: where, how to load the extension, how to sign up. */
export function banner(o: { url: string; httpUrl: string; store: string; registration: boolean }): string {
  const signup = o.registration
    ? `  3. In the options page that opens, enter the server ${o.url}, a user ID and a
     password, and press "Create account". Or mint a token: npm run usersig -- <userID>`
    : `  3. Registration is off (--no-registration): mint a token with npm run usersig -- <userID>`;
  return `
Ringlet is running: ${o.url}  (health ${o.httpUrl}/healthz, store ${o.store})

  1. Chrome: chrome://extensions → Developer mode → Load unpacked → .output/chrome-mv3
  2. Firefox: about:debugging#/runtime/this-firefox → Load Temporary Add-on…
     → .output/firefox-mv3/manifest.json
${signup}

Press Ctrl+C to stop.
`;
}

/** A one-line explanation for a listen error a person can fix, or null for anything else. */
export function listenErrorText(err: unknown, port: number, host: string): string | null {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === 'EADDRINUSE') return `port ${port} is in use; pass --port (or RINGLET_PORT) to choose another`;
  if (code === 'EACCES') return `no permission to listen on port ${port}; pass --port with a port above 1023`;
  if (code === 'EADDRNOTAVAIL') return `address ${host} is not on this machine; pass --host`;
  return null;
}
