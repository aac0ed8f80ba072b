/**
 * Whether the server forwards group media through an SFU (calls beyond the mesh). Asked
 * once per SDK session with `getSfuJoin` for an invitation that does not exist: only the
 * reason of the refusal matters. A server with an SFU refuses 8011 `not_participant`
 * (without touching the SFU); one without refuses 8011 `no_sfu`. Anything else means no.
 */
import { ErrorCode, RingletError } from '../../../protocol/errors.ts';
import type { SessionChat } from '../session.ts';

/** The inviteID of the probe: no such invitation exists. */
export const SFU_PROBE_INVITE_ID = 'ringlet-sfu-probe';

const asked = new WeakMap<SessionChat, Promise<boolean>>();

export function hasSfu(chat: SessionChat): Promise<boolean> {
  let answer = asked.get(chat);
  if (!answer) {
    answer = chat.getSfuJoin({ inviteID: SFU_PROBE_INVITE_ID }).then(
      () => true,
      (e: unknown) => e instanceof RingletError && e.code === ErrorCode.NOT_PERMITTED && e.reason === 'not_participant',
    );
    asked.set(chat, answer);
  }
  return answer;
}
