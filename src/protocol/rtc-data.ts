/**
 * The media-session messages of a call window (docs/CALLS.md): presence ("hello", also
 * the heartbeat), "bye", SDP offers/answers and ICE candidates. They travel as
 * online-only IM custom messages (never stored, never counted unread) in the call's
 * conversation (C2C peer or GROUP), under a business type of their own so that nothing
 * confuses them with signaling (businessID 1, which the server refuses here anyway).
 * Every received message is validated; anything else is ignored.
 */
import * as z from 'zod/mini';
import { idSchema } from './fields.ts';

export const RTC_BUSINESS_ID = 'ringlet.rtc';

/** The server's payload limit is 8192 bytes; SDP is split into parts below it. */
export const SDP_PART_CHARS = 5000;

const Sid = z.string().check(z.minLength(1), z.maxLength(64));
const base = {
  businessID: z.literal(RTC_BUSINESS_ID),
  version: z.literal(1),
  roomID: z.string().check(z.minLength(1), z.maxLength(128)),
  from: idSchema,
  /** One call window's session: a reloaded window is a new peer. */
  sid: Sid,
};
const directed = { to: idSchema, toSid: Sid };

export const MediaState = z.object({
  /** Microphone sending. */
  audio: z.boolean(),
  /** Camera sending. */
  video: z.boolean(),
});
export type MediaState = z.infer<typeof MediaState>;

export const RtcMessage = z.discriminatedUnion('type', [
  z.object({ ...base, type: z.literal('hello'), media: MediaState }),
  z.object({ ...base, type: z.literal('bye'), reason: z.optional(z.string().check(z.maxLength(64))) }),
  z.object({
    ...base,
    ...directed,
    type: z.literal('sdp'),
    kind: z.enum(['offer', 'answer']),
    /** Identifies one description; its parts share it. */
    id: z.string().check(z.maxLength(64)),
    part: z.number().check(z.int(), z.gte(0), z.lt(16)),
    parts: z.number().check(z.int(), z.gte(1), z.lte(16)),
    sdp: z.string().check(z.maxLength(SDP_PART_CHARS)),
  }),
  z.object({
    ...base,
    ...directed,
    type: z.literal('candidate'),
    candidate: z.object({
      candidate: z.string().check(z.maxLength(1024)),
      sdpMid: z.optional(z.nullable(z.string().check(z.maxLength(64)))),
      sdpMLineIndex: z.optional(z.nullable(z.number())),
    }),
  }),
  /** The answerer asks the offerer for an ICE restart (only offerers create offers). */
  z.object({ ...base, ...directed, type: z.literal('restart') }),
  /**
   * A call made from a 1:1 call (no group): a participant tells the others whom it added and
   * the server said answered (addToCall), so their rooms admit them. Counted only from a
   * participant, only in C2C rooms (a group call's list comes from the server).
   */
  z.object({ ...base, type: z.literal('admit'), users: z.array(idSchema).check(z.minLength(1), z.maxLength(6)) }),
]);
export type RtcMessage = z.infer<typeof RtcMessage>;

type Distribute<T> = T extends unknown ? Omit<T, 'businessID' | 'version' | 'roomID' | 'from' | 'sid'> : never;
/** A message before the sender's envelope (room, user, session) is added. */
export type RtcBody = Distribute<RtcMessage>;

/** Parses a custom message's `payload.data`; null for anything that is not a valid RTC message. */
export function decodeRtc(data: unknown): RtcMessage | null {
  if (typeof data !== 'string' || !data.includes(RTC_BUSINESS_ID)) return null;
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  const parsed = RtcMessage.safeParse(value);
  return parsed.success ? parsed.data : null;
}

export function encodeRtc(envelope: { roomID: string; from: string; sid: string }, body: RtcBody): string {
  return JSON.stringify({ businessID: RTC_BUSINESS_ID, version: 1, ...envelope, ...body });
}

/** Splits an SDP into the parts of one `sdp` message each. */
export function splitSdp(sdp: string): string[] {
  const parts: string[] = [];
  for (let i = 0; i < sdp.length; i += SDP_PART_CHARS) parts.push(sdp.slice(i, i + SDP_PART_CHARS));
  return parts.length ? parts : [''];
}

/** Collects SDP parts; returns the whole description when its last part arrives. */
export class SdpAssembler {
  #pending = new Map<string, { parts: string[]; got: number; at: number }>();

  add(m: Extract<RtcMessage, { type: 'sdp' }>, now = Date.now()): string | null {
    if (m.part >= m.parts) return null;
    if (m.parts === 1) return m.sdp;
    const key = `${m.from}/${m.sid}/${m.id}`;
    for (const [k, v] of this.#pending) if (now - v.at > 30_000) this.#pending.delete(k);
    const entry = this.#pending.get(key) ?? { parts: new Array<string>(m.parts).fill(''), got: 0, at: now };
    if (entry.parts.length !== m.parts) return null;
    if (!entry.parts[m.part]) entry.got += 1;
    entry.parts[m.part] = m.sdp;
    this.#pending.set(key, entry);
    if (entry.got < m.parts) return null;
    this.#pending.delete(key);
    return entry.parts.join('');
  }
}
