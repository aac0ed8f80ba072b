/**
 * What the call window shows of hold and call waiting (docs/CALLS.md "Hold", "Call
 * waiting"): who holds the current call, the calls held in the background with Resume, and
 * a toast over the call for each call ringing meanwhile, with Hold and accept, End and
 * accept and Decline. A call is never ended without the person choosing it.
 */
import type { VNode } from 'preact';
import type { ActiveCall, CallEntry } from '../../shared/schema.ts';
import { t } from '../../shared/i18n.ts';
import { isHoldable, peerOf } from '../../background/calls.ts';
import { Avatar } from '../components/Avatar.tsx';
import { HangUpIcon, PhoneIcon, VideoIcon } from '../components/icons.tsx';
import type { Run } from '../hooks.ts';
import './hold.css';

/** The sentence saying who holds `call`, or null when nobody does. */
export function holdText(call: Pick<ActiveCall, 'holders' | 'peer' | 'groupName'>, me: string): string | null {
  const holders = call.holders ?? [];
  if (holders.length === 0) return null;
  const name = call.groupName ?? call.peer;
  const mine = holders.includes(me);
  const other = holders.find((u) => u !== me);
  if (mine && other) return t('bothHold', other);
  return mine ? t('youHold', name) : t('peerHolds', other ?? name);
}

/** Who holds the current call; Resume when I do. */
export function HoldBanner({ active, me, run, busy }: { active: ActiveCall; me: string; run: Run; busy: boolean }) {
  const text = holdText(active, me);
  if (!text) return null;
  const mine = (active.holders ?? []).includes(me);
  return (
    <div class="hold banner" data-testid="hold-banner">
      <span class="grow" role="status">{text}</span>
      {mine && (
        <button type="button" class="primary" disabled={busy} onClick={() => void run({ type: 'call/hold', inviteID: active.inviteID, on: false })} data-testid="hold-resume">
          {t('resume')}
        </button>
      )}
    </div>
  );
}

/** The Hold toggle of the control bar (1:1 calls: isHoldable): pressed while I hold the call. */
export function HoldControl({ active, me, run, busy, wrap }: { active: ActiveCall; me: string; run: Run; busy: boolean; wrap: (button: VNode) => VNode }) {
  if (!isHoldable(active)) return null;
  const mine = (active.holders ?? []).includes(me);
  return wrap(
    <button type="button" class="neutral-pressed" aria-pressed={mine} disabled={busy} onClick={() => void run({ type: 'call/hold', inviteID: active.inviteID, on: !mine })} data-testid="call-hold" />,
  );
}

/** Calls held in the background: Resume (switches to it, holding the current one) or hang up. */
export function HeldCalls({ held, run, busy }: { held: readonly ActiveCall[]; run: Run; busy: boolean }) {
  if (held.length === 0) return null;
  return (
    <section class="held-calls" aria-label={t('heldCalls')} data-testid="held-calls">
      {held.map((h) => (
        <div class="held-call" key={h.inviteID} data-testid="held-call" data-invite={h.inviteID}>
          <Avatar name={h.peer} size={28} />
          <span class="grow">
            <strong>{h.groupName ?? h.peer}</strong> <span class="sub">{t('onHold')}</span>
          </span>
          <button type="button" class="primary" disabled={busy} onClick={() => void run({ type: 'call/hold', inviteID: h.inviteID, on: false })} aria-label={t('resumeCall', h.groupName ?? h.peer)} data-testid="held-resume">
            {t('resume')}
          </button>
          <button type="button" class="icon-button danger" disabled={busy} onClick={() => void run({ type: 'call/hangup', inviteID: h.inviteID })} aria-label={`${t('hangUp')}: ${h.groupName ?? h.peer}`} title={t('hangUp')} data-testid="held-hangup">
            <HangUpIcon size={18} />
          </button>
        </div>
      ))}
    </section>
  );
}

/** A toast over the call for each call ringing while I am in one. */
export function WaitingToasts({ incoming, active, run, busy }: { incoming: readonly CallEntry[]; active: ActiveCall; run: Run; busy: boolean }) {
  const calls = incoming.filter((c) => !c.kind);
  if (calls.length === 0) return null;
  return (
    <div class="waiting-toasts" data-testid="waiting-toasts">
      {calls.map((c) => {
        const who = c.groupName ?? peerOf(c);
        return (
          <section class="waiting-toast" role="alertdialog" aria-labelledby={`wt-${c.inviteID}`} key={c.inviteID} data-testid="waiting-toast" data-invite={c.inviteID}>
            <div class="row">
              <Avatar name={who} size={32} group={!!c.groupID} />
              <div class="grow">
                <strong id={`wt-${c.inviteID}`}>{t('waitingFrom', who)}</strong>
                <span class="sub kind">
                  {c.callType === 'video' ? <VideoIcon size={14} /> : <PhoneIcon size={14} />} {t('callWaiting')} · {c.callType === 'video' ? t('videoCall') : t('audioCall')}
                </span>
              </div>
            </div>
            <div class="actions">
              {isHoldable(active) && (
                <button type="button" class="primary" disabled={busy} onClick={() => void run({ type: 'call/accept', inviteID: c.inviteID, then: 'hold' })} data-testid="waiting-hold-accept">
                  {t('holdAndAccept')}
                </button>
              )}
              <button type="button" class="secondary" disabled={busy} onClick={() => void run({ type: 'call/accept', inviteID: c.inviteID, then: 'end' })} data-testid="waiting-end-accept">
                {t('endAndAccept')}
              </button>
              <button type="button" class="danger" disabled={busy} onClick={() => void run({ type: 'call/reject', inviteID: c.inviteID })} data-testid="waiting-decline">
                {t('decline')}
              </button>
            </div>
          </section>
        );
      })}
    </div>
  );
}
