/** The live microphone level meter of the ready step. */
import type { ViewState } from '../../shared/schema.ts';
import { t } from '../../shared/i18n.ts';
import { useRequest } from '../hooks.ts';
import { useMicLevel } from './useMicLevel.ts';

export function MicCheck({ state }: { state: ViewState }) {
  const mic = useMicLevel();
  const { run } = useRequest();
  const start = async () => {
    if ((await mic.start()) && !state.settings.micGranted) await run({ type: 'settings/set', patch: { micGranted: true } });
  };
  return (
    <div class="check" data-testid="mic-check">
      <h3 id="mic-check-title">{t('micLevel')}</h3>
      <p class="sub">{t('micSpeak')}</p>
      <div class="row">
        <meter class="level" min={0} max={1} value={mic.level} aria-label={t('micLevel')} data-testid="mic-level" />
        <button type="button" onClick={() => (mic.running ? mic.stop() : void start())} aria-describedby="mic-check-title" data-testid="mic-check-toggle">
          {mic.running ? t('micStop') : t('micCheck')}
        </button>
      </div>
      {mic.error && (
        <p class="error" role="alert">
          {t('micDenied', mic.error)}
        </p>
      )}
    </div>
  );
}
