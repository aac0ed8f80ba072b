/** The real SDK, adapted to the worker's `ChatLike` surface (see chat.ts). */
import { createChat as sdkCreateChat, EVENT } from './sdk-stub.tmp.ts';
import type { CreateChat } from './chat.ts';

export const createChat: CreateChat = (o) => sdkCreateChat(o) as unknown as ReturnType<CreateChat>;
export const sdkEvents = { NET_STATE_CHANGE: EVENT.NET_STATE_CHANGE, KICKED_OUT: EVENT.KICKED_OUT };
