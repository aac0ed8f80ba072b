/**
 * A peer connection's `getStats()` boiled down to what the call window shows and the
 * tests check: bytes in and out per media kind, the round-trip time of the selected
 * candidate pair, and packet loss between two samples, graded good / fair / poor.
 * Pure functions over plain stats records, so they are unit-tested without a browser.
 */

export interface StatsSample {
  at: number;
  inAudioBytes: number;
  inVideoBytes: number;
  outAudioBytes: number;
  outVideoBytes: number;
  packetsReceived: number;
  packetsLost: number;
  /** Seconds; null until a candidate pair has measured it. */
  rtt: number | null;
}

export type QualityLevel = 'good' | 'fair' | 'poor' | 'unknown';

export interface Quality {
  level: QualityLevel;
  rttMs: number | null;
  /** Percent of packets lost since the previous sample; null without traffic. */
  lossPct: number | null;
}

type Rec = Record<string, unknown> & { type: string; id?: string };

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** Reads one `RTCStatsReport` (or any iterable of its records). */
export function sampleFromStats(records: Iterable<Rec>, at: number): StatsSample {
  const s: StatsSample = { at, inAudioBytes: 0, inVideoBytes: 0, outAudioBytes: 0, outVideoBytes: 0, packetsReceived: 0, packetsLost: 0, rtt: null };
  const pairs = new Map<string, Rec>();
  let selected: string | null = null;
  for (const r of records) {
    const kind = r.kind ?? r.mediaType;
    if (r.type === 'inbound-rtp') {
      if (kind === 'audio') s.inAudioBytes += num(r.bytesReceived);
      if (kind === 'video') s.inVideoBytes += num(r.bytesReceived);
      s.packetsReceived += num(r.packetsReceived);
      s.packetsLost += Math.max(0, num(r.packetsLost));
    } else if (r.type === 'outbound-rtp') {
      if (kind === 'audio') s.outAudioBytes += num(r.bytesSent);
      if (kind === 'video') s.outVideoBytes += num(r.bytesSent);
    } else if (r.type === 'candidate-pair' && typeof r.id === 'string') {
      pairs.set(r.id, r);
      if (r.selected === true) selected = r.id; // Firefox marks the pair itself
    } else if (r.type === 'transport' && typeof r.selectedCandidatePairId === 'string') {
      selected = r.selectedCandidatePairId;
    }
  }
  let pair = selected ? pairs.get(selected) : undefined;
  pair ??= [...pairs.values()].find((p) => p.state === 'succeeded' && p.nominated === true);
  if (pair && typeof pair.currentRoundTripTime === 'number') s.rtt = pair.currentRoundTripTime;
  return s;
}

/** Grades the link from two samples (loss over the interval, the latest RTT). */
export function gradeQuality(prev: StatsSample | null, cur: StatsSample): Quality {
  const rttMs = cur.rtt === null ? null : Math.round(cur.rtt * 1000);
  let lossPct: number | null = null;
  if (prev) {
    const received = cur.packetsReceived - prev.packetsReceived;
    const lost = Math.max(0, cur.packetsLost - prev.packetsLost);
    if (received + lost > 0) lossPct = Math.round((lost / (received + lost)) * 1000) / 10;
  }
  if (rttMs === null && lossPct === null) return { level: 'unknown', rttMs, lossPct };
  const loss = lossPct ?? 0;
  const rtt = rttMs ?? 0;
  const level: QualityLevel = loss > 10 || rtt > 500 ? 'poor' : loss > 3 || rtt > 250 ? 'fair' : 'good';
  return { level, rttMs, lossPct };
}
