/** Microphone permission: asks once from this page (the call window inherits it). */
import { useState } from 'preact/hooks';
import type { ViewState } from '../../shared/schema.ts';
import { t } from '../../shared/i18n.ts';
import { useRequest } from '../hooks.ts';

export function Microphone({ state }: { state: ViewState }) {
  const { run } = useRequest();
  const [error, setError] = useState<string | null>(null);
  const ask = async () => {
    setError(null);
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      for (const track of stream.getTracks()) track.stop();
      await run({ type: 'settings/set', patch: { micGranted: true } });
    } catch (e) {
      setError(t('micDenied', e instanceof Error ? e.message : String(e)));
    }
  };
  return (
    <fieldset>
      <legend>{t('microphone')}</legend>
      <p class="sub">{t('micExplain')}</p>
      {state.settings.micGranted ? (
        <p data-testid="mic-granted">✓ {t('micGranted')}</p>
      ) : (
        <button type="button" class="primary" onClick={() => void ask()} data-testid="mic">
          {t('micAllow')}
        </button>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </fieldset>
  );
}
