/**
 * One committed step of a call, for people and dashboards (signaling/lifecycle.ts reports
 * it; the outbox carries it to after the commit; the SFU follows classrooms by it).
 */
import type { Invitation } from '../../protocol/signaling.ts';

export interface CallStep extends Pick<Invitation, 'inviteID' | 'inviter' | 'groupID'> {
  step: 'invite' | 'accept' | 'reject' | 'cancel' | 'timeout';
  /** invite: the invitees; accept / reject: who answered; timeout: who timed out. */
  users: string[];
  reason?: string;
  /** Time since the invite, server clock. */
  ageMs: number;
  /** timeout: how long after its deadline it fired. */
  lateMs?: number;
}
