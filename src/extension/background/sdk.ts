/** The real SDK behind the worker's session (session.ts). */
import { createChat as sdkCreateChat, type CreateChatOptions } from '../../sdk/index.ts';
import type { CreateChat } from './session.ts';
import { probingSocketFactory } from './probe-socket.ts';

/**
 * The longest wait between two reconnect attempts while the server is unreachable (the
 * SDK waits between half of it and all of it): a phone is back within about 3 s of the
 * network returning, at the cost of one failed TCP connection every 1.5 to 3 s meanwhile.
 * The first login keeps trying too: the SDK's loop is the only one (no retry of our own).
 */
const OPTIONS: Omit<CreateChatOptions, 'server'> = { backoffMaxMs: 3000, loginAttempts: Infinity };

export const createChat: CreateChat = (o) => sdkCreateChat({ ...o, ...OPTIONS });
/** Firefox: every connection attempt asks the server over HTTP first (probe-socket.ts says why). */
export const createProbingChat: CreateChat = (o) => sdkCreateChat({ ...o, ...OPTIONS, socketFactory: probingSocketFactory() });
