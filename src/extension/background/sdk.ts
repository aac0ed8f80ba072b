/** The real SDK behind the worker's `ChatLike` surface (see chat.ts). */
import { createChat as sdkCreateChat, EVENT } from '../../sdk/index.ts';
import type { CreateChat } from './chat.ts';
import { probingSocketFactory } from './probe-socket.ts';

/**
 * The longest wait between two reconnect attempts while the server is unreachable (the
 * SDK waits between half of it and all of it): a phone is back within about 3 s of the
 * network returning, at the cost of one failed TCP connection every 1.5 to 3 s meanwhile.
 */
const RECONNECT_MAX_MS = 3000;

export const createChat: CreateChat = (o) => sdkCreateChat({ ...o, backoffMaxMs: RECONNECT_MAX_MS });
/** Firefox: every connection attempt asks the server over HTTP first (probe-socket.ts says why). */
export const createProbingChat: CreateChat = (o) =>
  sdkCreateChat({ ...o, backoffMaxMs: RECONNECT_MAX_MS, socketFactory: probingSocketFactory() });
export const sdkEvents = { NET_STATE_CHANGE: EVENT.NET_STATE_CHANGE, KICKED_OUT: EVENT.KICKED_OUT };
