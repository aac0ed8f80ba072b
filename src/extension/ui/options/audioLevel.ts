/** The loudness of one block of samples, for a level meter: RMS scaled to 0..1. */
export function levelOf(samples: Float32Array): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (const s of samples) sum += s * s;
  const rms = Math.sqrt(sum / samples.length);
  // Speech sits around an RMS of 0.02–0.2; a square root spreads it over the bar.
  return Math.min(1, Math.round(Math.sqrt(rms) * 100) / 100);
}
