/** Status pieces shared by the popup and the call page. */
import { useEffect, useState } from 'preact/hooks';
import type { ActiveCall, Notice, ViewState } from '../../shared/schema.ts';
import { t, type MessageKey } from '../../shared/i18n.ts';
import { formatDuration } from '../hooks.ts';
import type { ComponentChildren } from 'preact';
import { CloseIcon, HangUpIcon, MicIcon, MicOffIcon } from './icons.tsx';
import { Avatar } from './Avatar.tsx';

/** A notice is about one event: the next one replaces it, and it goes away after this. */
export const NOTICE_TTL_MS = 30_000;

const CONNECTION_KEYS: Record<ViewState['connection'], MessageKey> = {
  signedOut: 'connSignedOut',
  connecting: 'connConnecting',
  online: 'connOnline',
  offline: 'connOffline',
  expired: 'connExpired',
};

/**
 * Connection and account; `compact` (the popup header) shows only my ID while online, and
 * the connection with my bare ID otherwise (the whole line fits, nothing cut).
 */
export function StatusLine({ state, compact = false }: { state: ViewState; compact?: boolean }) {
  const quiet = compact && state.connection === 'online' && state.userID;
  const me = quiet ? state.userID : compact ? `· ${state.userID}` : `· ${t('signedInAs', state.userID ?? '')}`;
  return (
    <p class="who" data-testid="status" data-connection={state.connection} title={t(CONNECTION_KEYS[state.connection])}>
      <span class={`dot ${state.connection}`} aria-hidden="true" />
      <span class={quiet ? 'sr-only' : 'conn'}>{t(CONNECTION_KEYS[state.connection])}</span>
      {state.userID && <span data-testid="me">{me}</span>}
    </p>
  );
}

/** Whether a notice is still current at `now`. */
export function noticeLive(notice: Notice | null, now: number): notice is Notice {
  return notice !== null && now - notice.at < NOTICE_TTL_MS;
}

/** The current notice, gone when it expires (re-rendered at its expiry, not polled). */
export function NoticeBar({ notice, onDismiss }: { notice: Notice | null; onDismiss: () => void }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!notice) return;
    setNow(Date.now());
    const left = notice.at + NOTICE_TTL_MS - Date.now();
    if (left <= 0) return;
    const id = setTimeout(() => setNow(Date.now()), left + 50);
    return () => clearTimeout(id);
  }, [notice?.at, notice?.key]);
  if (!noticeLive(notice, now)) return null;
  return (
    <div class="notice" role="status" data-testid="notice" data-key={notice.key}>
      <span class="grow">{t(notice.key as MessageKey, ...notice.subs)}</span>
      <button type="button" class="icon-button small" onClick={onDismiss} aria-label={t('dismiss')} title={t('dismiss')}>
        <CloseIcon size={16} />
      </button>
    </div>
  );
}

/**
 * The call in progress, in the popup: who, how long, muted or not, and its controls in one
 * row (mute, hang up; `extra` takes more, e.g. hold, before hang-up).
 */
export function ActiveCallBar({ active, now, onHangup, onMute, note, extra }: {
  active: ActiveCall;
  now: number;
  onHangup: () => void;
  onMute: (muted: boolean) => void;
  /** A line about the call's state (who holds it), announced as it changes. */
  note?: string | null;
  extra?: ComponentChildren;
}) {
  const name = active.groupName ?? active.peer;
  const muted = active.muted ?? false;
  return (
    <section class="card active-call" aria-label={t('inCall')} data-testid="active-call" data-muted={muted}>
      <div class="active-who">
        <Avatar name={name} size={36} />
        <span class="grow">
          <strong class="name">{name}</strong>
          <span class="sub block">
            {t('inCall')} · <span class="tabular">{formatDuration((now - active.startedAt) / 1000)}</span>
            {muted && <> · <span data-testid="muted-tag">{t('mutedTag')}</span></>}
          </span>
          {note && (
            <span class="sub block" role="status" data-testid="popup-hold-text">
              {note}
            </span>
          )}
        </span>
      </div>
      <div class="call-buttons">
        {/* A toggle: one name, its state in aria-pressed (and the icon, and "Muted" above). */}
        <button type="button" class="pill" aria-pressed={muted} onClick={() => onMute(!muted)} data-testid="popup-mute">
          {muted ? <MicOffIcon size={18} /> : <MicIcon size={18} />}
          {t('mute')}
        </button>
        {extra}
        <button type="button" class="danger pill" onClick={onHangup} data-testid="hangup">
          <HangUpIcon size={18} />
          {t('hangUp')}
        </button>
      </div>
    </section>
  );
}

/** Do not disturb is on: said at the top of the popup, with the way to turn it off. */
export function DndBar({ onOff }: { onOff: () => void }) {
  return (
    <div class="dnd-bar" role="status" data-testid="dnd-bar">
      <span class="presence p-dnd" aria-hidden="true" />
      <span class="grow">{t('dndOn')}</span>
      <button type="button" class="link" onClick={onOff} aria-label={t('dndTurnOffLabel')} data-testid="dnd-off">
        {t('dndTurnOff')}
      </button>
    </div>
  );
}
