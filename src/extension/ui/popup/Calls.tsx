/**
 * Ringing and dialling invitations. The newest incoming call dominates the popup (a
 * large card: who, what kind of call, big Accept / Decline); further ones and classroom
 * prompts are compact rows; a call I am dialling shows its countdown and Cancel.
 */
import { useEffect, useRef } from 'preact/hooks';
import type { ActiveCall, CallEntry, ViewState } from '../../shared/schema.ts';
import { t } from '../../shared/i18n.ts';
import { Avatar } from '../components/Avatar.tsx';
import { HangUpIcon, PhoneIcon, VideoIcon } from '../components/icons.tsx';
import type { Run } from '../hooks.ts';
import { BlockCaller } from './PeerActions.tsx';
import { callerLine } from '../../shared/caller.ts';
import { isHoldable } from '../../background/calls.ts';


function label(c: CallEntry): string {
  if (c.kind) return c.kind === 'speak' ? t('badgeSpeak', c.inviter) : t('badgeRaiseHand', c.inviter);
  const group = c.groupName ?? c.groupID;
  if (c.direction === 'incoming') return c.groupID ? t('badgeGroupCalling', c.inviter, group) : t('badgeCalling', callerLine(c));
  return c.groupID ? t('badgeDiallingGroup', group) : t('badgeDialling', c.inviteeList[0] ?? '');
}

/** What a screen reader hears when a call starts ringing (the popup's live region). */
export function announcement(c: CallEntry | undefined): string {
  if (!c) return '';
  return c.kind ? label(c) : `${label(c)}. ${c.callType === 'video' ? t('incomingVideoCall') : t('incomingAudioCall')}`;
}

function CallTypeLine({ c }: { c: CallEntry }) {
  const video = c.callType === 'video';
  return (
    <span class="call-type">
      {video ? <VideoIcon size={16} /> : <PhoneIcon size={16} />}
      {c.direction === 'incoming' ? (video ? t('incomingVideoCall') : t('incomingAudioCall')) : video ? t('videoCall') : t('audioCall')}
      {c.groupID && ` · ${c.groupName ?? c.groupID}`}
    </span>
  );
}

/**
 * A call ringing while another is in progress: Hold and accept (1:1 calls only), End and
 * accept, Decline. Never a plain Accept, which would leave what happens to the current call
 * unsaid.
 */
function WaitingAnswers({ c, active, run }: { c: CallEntry; active: ActiveCall; run: Run }) {
  // Keyboard users land on the answer that keeps the current call (Hold and accept, else End and accept).
  const first = useRef<HTMLButtonElement>(null);
  useEffect(() => first.current?.focus(), [c.inviteID]);
  return (
    <div class="answer-row waiting-answers" data-testid="popup-waiting-answers">
      <button type="button" class="danger" onClick={() => void run({ type: 'call/reject', inviteID: c.inviteID })} data-testid="popup-waiting-decline">
        {t('decline')}
      </button>
      <button ref={isHoldable(active) ? undefined : first} type="button" class="secondary" onClick={() => void run({ type: 'call/accept', inviteID: c.inviteID, then: 'end' })} data-testid="popup-waiting-end-accept">
        {t('endAndAccept')}
      </button>
      {isHoldable(active) && (
        <button ref={first} type="button" class="accept" onClick={() => void run({ type: 'call/accept', inviteID: c.inviteID, then: 'hold' })} data-testid="popup-waiting-hold-accept">
          {t('holdAndAccept')}
        </button>
      )}
    </div>
  );
}

function RingingCard({ c, run, active }: { c: CallEntry; run: Run; active: ActiveCall | null }) {
  // Keyboard users land on Accept as soon as a call rings (autofocus works only on page load).
  const accept = useRef<HTMLButtonElement>(null);
  useEffect(() => accept.current?.focus(), [c.inviteID]);
  return (
    <li class="ringing" data-invite-id={c.inviteID}>
      <div class="ring-avatar">
        <Avatar name={c.inviter} size={64} />
      </div>
      <p class="caller">{c.inviter}</p>
      {c.join && (
        <p class="sub transfer-line" data-testid="ring-join">
          {callerLine(c)}
        </p>
      )}
      <CallTypeLine c={c} />
      {c.waiting && <span class="tag">{t('callWaiting')}</span>}
      {active ? (
        <WaitingAnswers c={c} active={active} run={run} />
      ) : (
      <div class="answer-row">
        <button type="button" class="danger big" onClick={() => void run({ type: 'call/reject', inviteID: c.inviteID })}>
          <HangUpIcon size={22} />
          {t('reject')}
        </button>
        <button ref={accept} type="button" class="accept big" onClick={() => void run({ type: 'call/accept', inviteID: c.inviteID })} data-kind="call">
          {c.callType === 'video' ? <VideoIcon size={22} /> : <PhoneIcon size={22} />}
          {t('accept')}
        </button>
      </div>
      )}
      <BlockCaller inviteID={c.inviteID} inviter={c.inviter} run={run} />
    </li>
  );
}

function CompactRow({ c, run }: { c: CallEntry; run: Run }) {
  // A classroom prompt wraps its sentence above its buttons (it was cut to "alice …" beside them).
  return (
    <li class={`row-item${c.kind ? ' wrap prompt-row' : ''}`} data-invite-id={c.inviteID}>
      <Avatar name={c.inviter} size={32} />
      <span class="grow">
        <span class="name">{label(c)}</span>
        {!c.kind && <span class="sub block">{c.callType === 'video' ? t('videoCall') : t('audioCall')}{c.waiting && ` · ${t('callWaiting')}`}</span>}
      </span>
      <button type="button" class={c.kind ? '' : 'danger'} onClick={() => void run({ type: 'call/reject', inviteID: c.inviteID })}>
        {c.kind ? t('dismiss') : t('reject')}
      </button>
      <button type="button" class="accept" onClick={() => void run({ type: 'call/accept', inviteID: c.inviteID })} data-kind={c.kind ?? 'call'}>
        {c.kind === 'speak' ? t('takeTheFloor') : c.kind === 'raiseHand' ? t('raiseHand') : t('accept')}
      </button>
    </li>
  );
}

export function Calls({ state, now, run }: { state: ViewState; now: number; run: Run }) {
  const [first, ...rest] = state.incoming;
  return (
    <>
      {first && (
        <section aria-label={t('incomingCalls')} class="incoming">
          <ul class="list" data-testid="incoming">
            {first.kind ? <CompactRow c={first} run={run} /> : <RingingCard c={first} run={run} active={state.active} />}
            {rest.map((c) => (
              <CompactRow key={c.inviteID} c={c} run={run} />
            ))}
          </ul>
        </section>
      )}
      {state.outgoing.length > 0 && (
        <section aria-label={t('outgoingCalls')}>
          <ul class="list" data-testid="outgoing">
            {state.outgoing.map((c) => (
              <li key={c.inviteID} class="card dialling" data-invite-id={c.inviteID}>
                <Avatar name={c.groupName || c.groupID || c.inviteeList[0] || '?'} size={40} />
                <span class="grow">
                  <strong class="name">{label(c)}</strong>
                  <span class="sub block">
                    <CallTypeLine c={c} />
                    {c.deadline > 0 && (
                      <span data-testid="countdown" class="tabular">
                        {' '}
                        · {t('secondsLeft', Math.max(0, Math.floor((c.deadline - now) / 1000)))}
                      </span>
                    )}
                  </span>
                </span>
                <button type="button" class="danger pill" onClick={() => void run({ type: 'call/cancel', inviteID: c.inviteID })}>
                  <HangUpIcon size={18} />
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
