/** The real SDK behind the call window's session (session.ts). */
import { createChat } from '../../sdk/index.ts';
import type { RtcChat } from './session.ts';

/** A chat of its own for the call window: one more device of the signed-in account, for media only. */
export const createCallChat = (o: { server: string }): RtcChat => createChat(o);
