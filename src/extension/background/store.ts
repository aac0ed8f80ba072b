/**
 * What must outlive the worker: the account (server URL, user ID, userSig: never the
 * password), settings, and the call state (ringing and dialling invitations, the active
 * call, missed count). The worker is killed at any time, so every transition is written
 * before its effects run.
 *
 * The account and the call state live in the vault (trusted contexts only, vault.ts);
 * `storage.local`, which every content script can read, holds only the settings, the
 * last server URL typed in and the page badge's view.
 */
import { browser } from 'wxt/browser';
import { z } from 'zod/mini';
import { readManagedServer } from '../shared/managed.ts';
import { CallState, Classroom, DEFAULT_SETTINGS, Settings } from '../shared/schema.ts';
import { EMPTY_CALL_STATE } from './calls.ts';
import { vaultGet, vaultSet } from './vault.ts';

export const DEFAULT_SERVER = 'ws://127.0.0.1:8787';

export const Account = z.object({
  server: z.string(),
  userID: z.string(),
  userSig: z.string(),
  /** Set when the server refused the userSig (70001): the user must sign in again. */
  expired: z.optional(z.boolean()),
});
export type Account = z.infer<typeof Account>;

/** The call state as stored: one stored before classroom mode has no `classroom`. */
const StoredCalls = z.extend(CallState, { classroom: z.optional(z.nullable(Classroom)) });

const KEYS = { account: 'account', settings: 'settings', calls: 'callState', server: 'serverURL', devices: 'deviceTokens' } as const;

async function read(key: string): Promise<unknown> {
  const got = await browser.storage.local.get(key);
  return got[key];
}

/**
 * Earlier versions kept the account and the call state in `storage.local`: move them
 * into the vault and delete them there. Idempotent; the worker runs it at boot.
 */
export async function migrateFromLocal(): Promise<void> {
  const got = await browser.storage.local.get([KEYS.account, KEYS.calls]);
  if (got[KEYS.account] === undefined && got[KEYS.calls] === undefined) return;
  const account = Account.safeParse(got[KEYS.account]);
  if (account.success && !(await loadAccount())) await saveAccount(account.data);
  const calls = StoredCalls.safeParse(got[KEYS.calls]);
  if (calls.success && (await vaultGet(KEYS.calls, { durable: false })) === undefined) await vaultSet(KEYS.calls, calls.data, { durable: false });
  await browser.storage.local.remove([KEYS.account, KEYS.calls]);
}

/** The account, from the vault (trusted contexts: the worker and the call window). */
export async function loadAccount(): Promise<Account | null> {
  const parsed = Account.safeParse(await vaultGet(KEYS.account, { durable: true }));
  return parsed.success ? parsed.data : null;
}
export async function saveAccount(account: Account | null): Promise<void> {
  await vaultSet(KEYS.account, account ?? undefined, { durable: true });
}

/** Device tokens kept (one per server and user signed in from this browser; the oldest go first). */
const MAX_DEVICE_TOKENS = 16;
const DeviceTokens = z.record(z.string(), z.string());

/**
 * This browser's device token for `userID` on `server` (SECURITY.md "Device tokens"): in
 * the vault like the account (never `storage.local`), and kept across sign-outs, so the
 * device is still known at its next sign-in.
 */
export async function loadDeviceToken(server: string, userID: string): Promise<string | null> {
  const parsed = DeviceTokens.safeParse(await vaultGet(KEYS.devices, { durable: true }));
  return (parsed.success ? parsed.data[`${server} ${userID}`] : undefined) ?? null;
}
export async function saveDeviceToken(server: string, userID: string, token: string): Promise<void> {
  const parsed = DeviceTokens.safeParse(await vaultGet(KEYS.devices, { durable: true }));
  const key = `${server} ${userID}`;
  const rest = Object.entries(parsed.success ? parsed.data : {}).filter(([k]) => k !== key);
  await vaultSet(KEYS.devices, Object.fromEntries([...rest.slice(-(MAX_DEVICE_TOKENS - 1)), [key, token]]), { durable: true });
}

/**
 * The last server URL typed in, kept after sign-out so the form remembers it; an
 * organisation's policy (shared/managed.ts) gives the default, or the only one when locked.
 */
export async function loadServer(): Promise<string> {
  const [v, managed] = await Promise.all([read(KEYS.server), readManagedServer()]);
  if (managed.locked && managed.serverURL) return managed.serverURL;
  return typeof v === 'string' && v ? v : (managed.serverURL ?? DEFAULT_SERVER);
}
export async function saveServer(server: string): Promise<void> {
  await browser.storage.local.set({ [KEYS.server]: server });
}

export async function loadSettings(): Promise<Settings> {
  const parsed = z.partial(Settings).safeParse(await read(KEYS.settings));
  return { ...DEFAULT_SETTINGS, ...(parsed.success ? parsed.data : {}) };
}
export async function saveSettings(settings: Settings): Promise<void> {
  await browser.storage.local.set({ [KEYS.settings]: settings });
}

/** The call state outlives a stopped worker; after a browser restart the server's pending list rebuilds it. */
export async function loadCallState(): Promise<CallState> {
  const parsed = StoredCalls.safeParse(await vaultGet(KEYS.calls, { durable: false }));
  return parsed.success ? { ...parsed.data, classroom: parsed.data.classroom ?? null } : EMPTY_CALL_STATE;
}
export async function saveCallState(state: CallState): Promise<void> {
  await vaultSet(KEYS.calls, state, { durable: false });
}
