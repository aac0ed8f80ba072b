/** Plays the ringtone once, at the ringtone volume, through this page's own audio element. */
import { useRef, useState } from 'preact/hooks';
import type { ViewState } from '../../shared/schema.ts';
import { t } from '../../shared/i18n.ts';

export function RingtonePreview({ state }: { state: ViewState }) {
  const audio = useRef<HTMLAudioElement>(null);
  const [error, setError] = useState<string | null>(null);
  const volume = state.settings.volume;
  const play = async () => {
    const el = audio.current;
    if (!el) return;
    setError(null);
    el.volume = volume;
    el.currentTime = 0;
    try {
      await el.play();
    } catch (e) {
      setError(t('playFailed', e instanceof Error ? e.message : String(e)));
    }
  };
  return (
    <div class="check" data-testid="ring-check">
      <h3>{t('speakerTitle')}</h3>
      <p class="sub">{t('ringPreviewHint', Math.round(volume * 100))}</p>
      <audio ref={audio} src="/sounds/ring.wav" preload="auto" data-testid="ring-preview-audio" />
      <button type="button" onClick={() => void play()} data-testid="ring-preview">
        {t('ringPreview')}
      </button>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
