/** What every feature module gets from the phone (phone.ts): the session, the state, the runner. */
import type { ViewState } from '../../shared/schema.ts';
import type { CallEvent, CallState } from '../calls.ts';
import type { SessionChat } from '../session.ts';
import type { GroupDirectory } from './groups.ts';

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
  groups: GroupDirectory;
}
