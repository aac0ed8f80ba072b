/**
 * What the signed-in server offers beyond the seed, asked with `getCapabilities`
 * (API.md, a Ringlet addition) once per SDK session. A server or SDK without the op, or a
 * failed question, counts as mesh only: the popup then keeps the cap of the mesh.
 */
import { MESH_LIMIT, type ServerCapabilities } from '../../protocol/sfu.ts';
import type { ChatLike } from './chat.ts';

const MESH_ONLY: ServerCapabilities = { sfu: false, meshLimit: MESH_LIMIT };

export class Capabilities {
  #asked: { chat: ChatLike; answer: Promise<ServerCapabilities> } | null = null;

  /** The capabilities of `chat`'s server (one question per chat object, i.e. per SDK session). */
  of(chat: ChatLike): Promise<ServerCapabilities> {
    if (this.#asked?.chat !== chat) this.#asked = { chat, answer: ask(chat) };
    return this.#asked.answer;
  }
}

async function ask(chat: ChatLike): Promise<ServerCapabilities> {
  if (!chat.getCapabilities) return MESH_ONLY;
  try {
    const { data } = await chat.getCapabilities();
    return {
      sfu: data?.sfu === true,
      meshLimit: typeof data?.meshLimit === 'number' ? data.meshLimit : MESH_LIMIT,
    };
  } catch {
    return MESH_ONLY;
  }
}
