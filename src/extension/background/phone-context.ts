/**
 * What the request handlers of the features (features/*) get from the phone (phone.ts):
 * the session, the call state, the runner, the account. Declared here, below both, so
 * the features never import the phone that composes them.
 */
import type { PresenceState } from '../../protocol/presence.ts';
import type { Connection, Settings, ViewState } from '../shared/schema.ts';
import type { CallEvent, CallState } from './calls.ts';
import type { GroupDirectory } from './group-directory.ts';
import type { SessionChat } from './session.ts';
import type { Account } from './store.ts';

export interface PhoneContext {
  /** The signed-in user ID ('' when signed out). */
  me(): string;
  now(): number;
  state(): CallState;
  view(): ViewState;
  /** The SDK session; a `ViewError` 2024 when signed out or expired. */
  chat(): SessionChat;
  /** The session if there is one, for best-effort sends. */
  chatIfAny(): SessionChat | null;
  dispatch(event: CallEvent): Promise<void>;
  /** Presence of the people the views follow (ViewState.presence). */
  presence: {
    /** Subscribes to these people's status and asks it once; ViewState.presence follows. */
    watch(userIDs: readonly string[]): Promise<void>;
    /** What the server last said of this person (undefined: not followed). */
    of(userID: string): PresenceState | undefined;
  };
  groups: GroupDirectory;
  account: AccountHost;
}

/** What the account feature (sign in, sign out, settings) changes in the phone. */
export interface AccountHost {
  account(): Account | null;
  /** Replaces the account and stores it (and, signing in, the server typed in). */
  setAccount(account: Account | null, server?: string): Promise<void>;
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
  /** This device's token for `userID` on `server` (kept in the vault, across sign-outs), or null. */
  deviceToken(server: string, userID: string): Promise<string | null>;
  setDeviceToken(server: string, userID: string, token: string): Promise<void>;
  fetch?: typeof fetch;
}
