/** The account (sign in, sign out) and the settings. */
import type { Connection, Settings, ViewState } from '../../shared/schema.ts';
import { resolveLanguage, setLanguage } from '../../shared/i18n.ts';
import { ErrorCode } from '../../../protocol/errors.ts';
import { requestUserSig, revokeUserSig } from '../accounts.ts';
import { ViewError } from '../errors.ts';
import { logError } from '../log.ts';
import * as store from '../store.ts';

/** What the account feature needs from the phone (phone.ts). */
export interface AccountHost {
  account(): store.Account | null;
  /** Replaces the account and stores it (and, signing in, the server typed in). */
  setAccount(account: store.Account | null, server?: string): Promise<void>;
  /** Replaces the settings, stores them and brings the outputs in line. */
  setSettings(settings: Settings): Promise<void>;
  /** Starts the SDK session of the account; resolves once online, or as soon as it is offline or expired. */
  connect(): Promise<Connection>;
  /** Ends the SDK session (logging out first): what it says afterwards is not heard. */
  disconnect(): Promise<void>;
  signedOut(): void;
  /** Forgets the calls (another user, or nobody). */
  clearCalls(): Promise<void>;
  settings(): Settings;
  onLanguageChanged?: () => void;
  fetch?: typeof fetch;
  view(): ViewState;
}

export async function signIn(host: AccountHost, server: string, userID: string, password: string, create: boolean): Promise<ViewState> {
  const creds = await requestUserSig(server, userID, password, create, host.fetch);
  const sameUser = host.account()?.userID === creds.userID;
  await host.disconnect();
  await host.setAccount({ server, userID: creds.userID, userSig: creds.userSig }, server);
  if (!sameUser) await host.clearCalls();
  const connection = await host.connect();
  if (connection === 'expired') throw new ViewError(ErrorCode.BAD_USER_SIG, 'sessionExpired', 'the server refused the new userSig');
  if (connection !== 'online') throw new ViewError('unreachable', 'errorUnreachable', `cannot connect to ${server}`, [server]);
  return host.view();
}

export async function signOut(host: AccountHost): Promise<ViewState> {
  const held = host.account();
  // The session first (its KICKED_OUT for the revoked token must not read as "expired"),
  // then the token itself, so no copy of it outlives the sign-out.
  await host.disconnect();
  if (held?.userSig) {
    await revokeUserSig(held.server, held.userSig, host.fetch).catch((e) => logError('sign-out: revoking the userSig', e));
  }
  await host.setAccount(null);
  host.signedOut();
  await host.clearCalls();
  return host.view();
}

export async function changeSettings(host: AccountHost, patch: Partial<Settings>): Promise<ViewState> {
  const before = host.settings();
  const settings = { ...before, ...patch };
  const newLanguage = patch.language !== undefined && patch.language !== before.language;
  // The language first: the outputs brought in line next are worded in it.
  if (newLanguage) setLanguage(resolveLanguage(settings.language));
  await host.setSettings(settings);
  if (newLanguage) host.onLanguageChanged?.();
  return host.view();
}
