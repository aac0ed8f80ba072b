/** Small statistics helpers shared by load generators and the report. */

/** Latency summary in milliseconds; `Infinity` marks samples that never completed. */
export interface Summary { n: number; p50: number; p90: number; p99: number; max: number; mean: number }

/** Nearest-rank percentile of an ascending-sorted array (p in 0..100). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/** Summarize samples (ms). */
export function summarize(samples: number[]): Summary {
  const s = Float64Array.from(samples).sort();
  let sum = 0;
  for (const v of s) sum += v;
  return {
    n: s.length,
    p50: percentile(s, 50),
    p90: percentile(s, 90),
    p99: percentile(s, 99),
    max: s.length ? (s[s.length - 1] as number) : NaN,
    mean: s.length ? sum / s.length : NaN,
  };
}

/** Round to `d` decimals (keeps JSON readable). */
export function round(v: number, d = 3): number {
  if (!Number.isFinite(v)) return v;
  const f = 10 ** d;
  return Math.round(v * f) / f;
}

/** CPU microseconds (user+system) between two process.cpuUsage() snapshots. */
export function cpuDelta(a: NodeJS.CpuUsage, b: NodeJS.CpuUsage): number {
  return b.user - a.user + (b.system - a.system);
}
