/** Ringing invitations (Accept/Reject, newest first) and dialling ones (Cancel, countdown). */
import type { CallEntry, Request, ViewState } from '../../shared/schema.ts';
import { t } from '../../shared/i18n.ts';

type Run = <T>(req: Request) => Promise<T | undefined>;

function label(c: CallEntry): string {
  if (c.kind) return c.kind === 'speak' ? t('badgeSpeak', c.inviter) : t('badgeRaiseHand', c.inviter);
  const group = c.groupName ?? c.groupID;
  if (c.direction === 'incoming') return c.groupID ? t('badgeGroupCalling', c.inviter, group) : t('badgeCalling', c.inviter);
  return c.groupID ? t('badgeDiallingGroup', group) : t('badgeDialling', c.inviteeList[0] ?? '');
}

export function Calls({ state, now, run }: { state: ViewState; now: number; run: Run }) {
  return (
    <>
      {state.incoming.length > 0 && (
        <section aria-label={t('incomingCalls')}>
          <h2>{t('incomingCalls')}</h2>
          <ul class="list" data-testid="incoming">
            {state.incoming.map((c, i) => (
              <li key={c.inviteID} data-invite-id={c.inviteID}>
                <span class="grow">
                  {label(c)}
                  {!c.kind && <span class="sub"> · {c.callType === 'video' ? t('videoCall') : t('audioCall')}</span>}
                  {c.waiting && <span class="sub"> · {t('callWaiting')}</span>}
                </span>
                <button type="button" class="primary" autoFocus={i === 0} onClick={() => void run({ type: 'call/accept', inviteID: c.inviteID })} data-kind={c.kind ?? 'call'}>
                  {c.kind === 'speak' ? t('takeTheFloor') : c.kind === 'raiseHand' ? t('raiseHand') : t('accept')}
                </button>
                <button type="button" class="danger" onClick={() => void run({ type: 'call/reject', inviteID: c.inviteID })}>
                  {c.kind ? t('dismiss') : t('reject')}
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
      {state.outgoing.length > 0 && (
        <section aria-label={t('outgoingCalls')}>
          <h2>{t('outgoingCalls')}</h2>
          <ul class="list" data-testid="outgoing">
            {state.outgoing.map((c) => (
              <li key={c.inviteID} data-invite-id={c.inviteID}>
                <span class="grow">
                  {label(c)}
                  {c.deadline > 0 && (
                    <span class="sub" data-testid="countdown">
                      {' '}
                      · {t('secondsLeft', Math.max(0, Math.floor((c.deadline - now) / 1000)))}
                    </span>
                  )}
                </span>
                <button type="button" class="danger" onClick={() => void run({ type: 'call/cancel', inviteID: c.inviteID })}>
                  {t('cancel')}
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
    </>
  );
}
