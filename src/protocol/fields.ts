/**
 * Schemas of the fields several formats share, each declared once: IDs, custom message
 * payloads, offline push configuration. Written with zod/mini so the extension's message
 * schemas (also zod/mini) nest them without pulling in zod's full API; the op contract
 * (ops.ts, also zod/mini, so that the SDK carries no more of zod than it uses) nests them
 * the same way.
 */
import * as z from 'zod/mini';
import { ID_PATTERN, LIMITS, utf8Bytes } from './limits.ts';

/** User and group IDs (API.md rule 10). */
export const idSchema = z.string().check(z.regex(ID_PATTERN));

const data = z.string().check(z.refine((s) => utf8Bytes(s) <= LIMITS.dataBytes, { message: `longer than ${LIMITS.dataBytes} bytes of UTF-8` }));
const pushText = z.string().check(z.refine((s) => utf8Bytes(s) <= LIMITS.pushTextBytes, { message: `longer than ${LIMITS.pushTextBytes} bytes` }));

/** An invitation's or a message's `data`: at most 8192 bytes of UTF-8. */
export const dataSchema = data;

/** Offline push configuration, as in the seed. */
export const offlinePushInfoSchema = z.strictObject({
  disablePush: z.optional(z.boolean()),
  disableVoipPush: z.optional(z.boolean()),
  title: z.optional(pushText),
  description: z.optional(pushText),
  extension: z.optional(pushText),
  ignoreIOSBadge: z.optional(z.boolean()),
  androidOPPOChannelID: z.optional(z.string().check(z.maxLength(128))),
});
export type OfflinePushInfo = z.infer<typeof offlinePushInfoSchema>;

/** The body of a custom message (`TIMCustomElem`): what `sendMessage` sends and a message carries. */
export const customPayloadSchema = z.strictObject({ data, description: z.optional(pushText), extension: z.optional(pushText) });
export type CustomPayload = z.infer<typeof customPayloadSchema>;
