/**
 * A call's life for people and dashboards: each committed step (invite, accept, reject,
 * cancel, timeout) with its inviteID and user IDs, never its data, goes to the info log
 * and to the metrics once its transaction has committed.
 */
import { ActionType } from '../../protocol/signaling.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { CallStep } from '../model/call-step.ts';
import type { Effect, Invitation } from './machine.ts';

const STEP = {
  [ActionType.INVITE]: 'invite',
  [ActionType.ACCEPT]: 'accept',
  [ActionType.REJECT]: 'reject',
  [ActionType.CANCEL]: 'cancel',
  [ActionType.TIMEOUT]: 'timeout',
} as const;

export function callStep(inv: Invitation, effect: Effect, now: number): CallStep {
  const users = effect.action === ActionType.INVITE ? inv.inviteeList
    : effect.action === ActionType.ACCEPT || effect.action === ActionType.REJECT ? [effect.invitee]
      : effect.action === ActionType.TIMEOUT ? effect.invitees : [];
  const reason = 'reason' in effect ? effect.reason : undefined;
  return {
    step: STEP[effect.action], inviteID: inv.inviteID, inviter: inv.inviter, groupID: inv.groupID, users,
    ...(reason ? { reason } : {}), ageMs: now - inv.createdAt,
    ...(effect.action === ActionType.TIMEOUT && inv.deadline !== null ? { lateMs: now - inv.deadline } : {}),
  };
}

/** After the commit: one info line per step; answers feed the invite→answer histogram. */
export function reportCallSteps(steps: readonly CallStep[], log: Logger, metrics: Metrics | null): void {
  for (const s of steps) {
    log.info({ call: s.inviteID, inviter: s.inviter, ...(s.groupID ? { group: s.groupID } : {}), users: s.users, ...(s.reason ? { reason: s.reason } : {}) }, `call ${s.step}`);
    if (metrics && (s.step === 'accept' || s.step === 'reject')) metrics.answered(s.step, s.ageMs / 1000);
    if (metrics && s.lateMs !== undefined) metrics.deadlineFired(s.lateMs / 1000);
  }
}
