/**
 * What the signed-in server offers beyond the seed, asked with `getCapabilities` (API.md,
 * a Ringlet addition) once per SDK session. A server without the op, or a failed
 * question, counts as mesh only: group calls then keep the mesh's cap.
 */
import { MESH_LIMIT, type ServerCapabilities } from '../../../protocol/sfu.ts';
import { defineFeature } from '../feature.ts';
import type { SessionChat } from '../session.ts';

const MESH_ONLY: ServerCapabilities = { sfu: false, meshLimit: MESH_LIMIT };

/** One answer per `Chat` object, i.e. per SDK session. */
const asked = new WeakMap<SessionChat, Promise<ServerCapabilities>>();

function capabilitiesOf(chat: SessionChat): Promise<ServerCapabilities> {
  let answer = asked.get(chat);
  if (!answer) {
    answer = chat.getCapabilities().then(({ data }) => read(data), () => MESH_ONLY);
    asked.set(chat, answer);
  }
  return answer;
}

/** Whether the server forwards group media through an SFU (calls beyond the mesh, classrooms). */
export async function hasSfu(chat: SessionChat): Promise<boolean> {
  return (await capabilitiesOf(chat)).sfu;
}

/** The reply as the server sent it: anything but `sfu: true` is no SFU. */
function read(data: Partial<ServerCapabilities> | undefined): ServerCapabilities {
  return { sfu: data?.sfu === true, meshLimit: typeof data?.meshLimit === 'number' ? data.meshLimit : MESH_LIMIT };
}

export const capabilities = defineFeature({
  name: 'capabilities',
  handles: { 'server/hasSfu': (ctx) => hasSfu(ctx.chat()) },
});
