import { describe, expect, it } from 'vitest';
import { banner } from '../../src/server/cli/banner.ts';

const base = { url: 'ws://127.0.0.1:8787', httpUrl: 'http://127.0.0.1:8787', store: 'ringlet.sqlite' };

describe("the server's banner says what a person does next", () => {
  it('npm start: load the built extension, then create an account in its options page', () => {
    const text = banner({ ...base, registration: true, extensionBuilt: true, usersig: 'npm run -s usersig --' });
    expect(text).toContain('Load unpacked → .output/chrome-mv3');
    expect(text).toContain('enter the server ws://127.0.0.1:8787, a user ID and a\n     password, and press "Create account"');
    // A token is for programs on the SDK: the options page has no field for one.
    expect(text).not.toContain('mint a token');
    expect(text.slice(0, text.indexOf('Programs using'))).not.toContain('usersig');
    expect(text).toContain('Programs using @ringlet/sdk sign in with a UserSig: npm run -s usersig -- <userID>');
  });

  it('the installed ringlet-server has no .output to load and names its own usersig command', () => {
    const text = banner({ ...base, registration: true, extensionBuilt: false, usersig: 'ringlet-server usersig' });
    expect(text).not.toContain('.output');
    expect(text).not.toContain('npm run');
    expect(text).toContain('Install the Ringlet extension');
    expect(text).toContain('ringlet-server usersig <userID>');
  });

  it('with registration off it says how a user ID gets a password the options page can use', () => {
    const text = banner({ ...base, registration: false, extensionBuilt: true, usersig: 'npm run -s usersig --' });
    expect(text).toContain('Registration is off');
    expect(text).toContain('Bearer $(npm run -s usersig -- <userID>)');
    expect(text).toContain('http://127.0.0.1:8787/api/password');
  });
});
