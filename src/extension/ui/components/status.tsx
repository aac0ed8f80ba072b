/** Status pieces shared by the popup and the call page. */
import type { ActiveCall, Notice, ViewState } from '../../shared/schema.ts';
import { t, type MessageKey } from '../../shared/i18n.ts';
import { formatDuration } from '../hooks.ts';

const CONNECTION_KEYS: Record<ViewState['connection'], MessageKey> = {
  signedOut: 'connSignedOut',
  connecting: 'connConnecting',
  online: 'connOnline',
  offline: 'connOffline',
  expired: 'connExpired',
};

export function StatusLine({ state }: { state: ViewState }) {
  return (
    <p class="who" data-testid="status" data-connection={state.connection}>
      <span class={`dot ${state.connection}`} aria-hidden="true" />
      <span>{t(CONNECTION_KEYS[state.connection])}</span>
      {state.userID && <span data-testid="me">· {t('signedInAs', state.userID)}</span>}
    </p>
  );
}

export function NoticeBar({ notice, onDismiss }: { notice: Notice; onDismiss: () => void }) {
  return (
    <div class="notice" role="status" data-testid="notice" data-key={notice.key}>
      <span class="grow">{t(notice.key as MessageKey, ...notice.subs)}</span>
      <button type="button" onClick={onDismiss} aria-label={t('dismiss')}>
        ×
      </button>
    </div>
  );
}

export function ActiveCallBar({ active, now, onHangup }: { active: ActiveCall; now: number; onHangup: () => void }) {
  return (
    <section aria-label={t('inCall')} data-testid="active-call">
      <h2>{t('inCall')}</h2>
      <ul class="list">
        <li>
          <span class="grow">
            {t('inCallWith', active.groupName ?? active.peer)}
            <span class="sub"> · {formatDuration((now - active.startedAt) / 1000)}</span>
          </span>
          <button type="button" class="danger" onClick={onHangup} data-testid="hangup">
            {t('hangUp')}
          </button>
        </li>
      </ul>
    </section>
  );
}
