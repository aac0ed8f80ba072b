/** The real SDK behind the worker's `ChatLike` surface (see chat.ts). */
import { createChat as sdkCreateChat, EVENT } from '../../sdk/index.ts';
import type { CreateChat } from './chat.ts';

export const createChat: CreateChat = (o) => sdkCreateChat(o);
export const sdkEvents = { NET_STATE_CHANGE: EVENT.NET_STATE_CHANGE, KICKED_OUT: EVENT.KICKED_OUT };
