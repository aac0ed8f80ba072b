/**
 * The optional test call: records 3 s from the microphone and plays it back, so the user
 * hears themself. Entirely local: no echo service, nothing leaves the computer.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from '../../shared/i18n.ts';
import { recordClip } from './recordClip.ts';

const CLIP_MS = 3000;
type Phase = 'idle' | 'recording' | 'playing' | 'done';

export function EchoTest() {
  const [phase, setPhase] = useState<Phase>('idle');
  const [error, setError] = useState<string | null>(null);
  const audio = useRef<HTMLAudioElement>(null);
  const url = useRef<string | null>(null);
  useEffect(
    () => () => {
      if (url.current) URL.revokeObjectURL(url.current);
    },
    [],
  );

  const run = async () => {
    setError(null);
    setPhase('recording');
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      let clip: Blob;
      try {
        clip = await recordClip(stream, CLIP_MS);
      } finally {
        for (const track of stream.getTracks()) track.stop();
      }
      if (url.current) URL.revokeObjectURL(url.current);
      url.current = URL.createObjectURL(clip);
      const el = audio.current!;
      el.src = url.current;
      setPhase('playing');
      await el.play();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
      setPhase('idle');
    }
  };

  const status = phase === 'recording' ? t('echoRecording') : phase === 'playing' ? t('echoPlaying') : phase === 'done' ? t('echoDone') : '';
  return (
    <div class="check" data-testid="echo-check" data-phase={phase}>
      <h3>{t('echoTitle')}</h3>
      <p class="sub">{t('echoHint')}</p>
      <audio ref={audio} onEnded={() => setPhase('done')} data-testid="echo-audio" />
      <div class="row">
        <button type="button" onClick={() => void run()} disabled={phase === 'recording' || phase === 'playing'} data-testid="echo-start">
          {phase === 'done' ? t('echoAgain') : t('echoStart')}
        </button>
        <span role="status" data-testid="echo-status">
          {status}
        </span>
      </div>
      {error && (
        <p class="error" role="alert">
          {t('micDenied', error)}
        </p>
      )}
    </div>
  );
}
