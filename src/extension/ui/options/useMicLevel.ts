/** A live microphone level: getUserMedia → AudioContext → AnalyserNode, sampled 10 times a second. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { levelOf } from './audioLevel.ts';

export interface MicLevel {
  running: boolean;
  level: number;
  error: string | null;
  start(): Promise<boolean>;
  stop(): void;
}

export function useMicLevel(): MicLevel {
  const [level, setLevel] = useState(0);
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const stopRef = useRef<(() => void) | null>(null);

  const stop = () => {
    stopRef.current?.();
    stopRef.current = null;
    setRunning(false);
    setLevel(0);
  };

  const start = async (): Promise<boolean> => {
    stop();
    setError(null);
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      const ctx = new AudioContext();
      const analyser = ctx.createAnalyser();
      analyser.fftSize = 2048;
      ctx.createMediaStreamSource(stream).connect(analyser);
      const samples = new Float32Array(analyser.fftSize);
      const timer = setInterval(() => {
        analyser.getFloatTimeDomainData(samples);
        setLevel(levelOf(samples));
      }, 100);
      stopRef.current = () => {
        clearInterval(timer);
        for (const track of stream.getTracks()) track.stop();
        void ctx.close();
      };
      setRunning(true);
      return true;
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
      return false;
    }
  };

  useEffect(() => () => stopRef.current?.(), []);
  return { running, level, error, start, stop };
}
