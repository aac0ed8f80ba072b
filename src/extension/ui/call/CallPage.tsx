/**
 * The call page opened on answer. Media is a later issue: for now it shows the peer, the
 * duration and a hang-up button (the seed's end-of-call invitation carries the duration).
 */
import { useEffect } from 'preact/hooks';
import { t } from '../../shared/i18n.ts';
import { formatDuration, usePhone, useRequest, useTick } from '../hooks.ts';

export function CallPage() {
  const state = usePhone();
  const { run, busy } = useRequest();
  const active = state?.active ?? null;
  const now = useTick(active !== null);
  useEffect(() => {
    document.title = active ? t('inCallWith', active.groupName ?? active.peer) : t('callEnded');
  }, [active?.inviteID, state?.settings.language]);
  if (!state) return <main aria-busy="true">{t('loading')}</main>;
  if (!active) {
    return (
      <main data-testid="call-page" data-active="false">
        <h1>{t('callEnded')}</h1>
        <button type="button" onClick={() => window.close()} autoFocus>
          {t('close')}
        </button>
      </main>
    );
  }
  return (
    <main data-testid="call-page" data-active="true" style={{ textAlign: 'center' }}>
      <p class="sub">{active.callType === 'video' ? t('videoCall') : t('audioCall')}</p>
      <h1 data-testid="call-peer">{active.groupName ?? active.peer}</h1>
      <p data-testid="call-duration">{formatDuration((now - active.startedAt) / 1000)}</p>
      <button type="button" class="danger" disabled={busy} autoFocus onClick={() => void run({ type: 'call/hangup' })} data-testid="call-hangup">
        {t('hangUp')}
      </button>
    </main>
  );
}
