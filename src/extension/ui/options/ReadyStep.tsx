/** "You're ready": pin the icon, check the microphone, hear the ringtone, an optional test call. */
import type { ViewState } from '../../shared/schema.ts';
import { t } from '../../shared/i18n.ts';
import { PinHint } from './PinHint.tsx';
import { MicCheck } from './MicCheck.tsx';
import { RingtonePreview } from './RingtonePreview.tsx';
import { EchoTest } from './EchoTest.tsx';

export function ReadyStep({ state, onDone }: { state: ViewState; onDone: () => void }) {
  return (
    <section class="ready" aria-labelledby="ready-title" data-testid="ready">
      <h2 id="ready-title">{t('readyTitle')}</h2>
      <p>{t('readyIntro')}</p>
      <PinHint />
      <MicCheck state={state} />
      <RingtonePreview state={state} />
      <EchoTest />
      <button type="button" class="primary" onClick={onDone} data-testid="ready-done">
        {t('readyDone')}
      </button>
    </section>
  );
}
