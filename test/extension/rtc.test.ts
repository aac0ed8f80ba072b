import { describe, expect, it } from 'vitest';
import { decodeRtc, encodeRtc, SdpAssembler, splitSdp, SDP_PART_CHARS } from '../../src/protocol/rtc-data.ts';
import { gradeQuality, sampleFromStats } from '../../src/extension/call/stats.ts';

const envelope = { roomID: 'r1', from: 'alice', sid: 's1' };

describe('RTC messages', () => {
  it('round-trip under their own business type, never businessID 1', () => {
    const text = encodeRtc(envelope, { type: 'hello', media: { audio: true, video: false } });
    expect(JSON.parse(text).businessID).toBe('ringlet.rtc');
    expect(decodeRtc(text)).toMatchObject({ type: 'hello', from: 'alice' });
  });

  it('ignores signaling JSON, other data and malformed RTC messages', () => {
    expect(decodeRtc(JSON.stringify({ businessID: 1, inviteID: 'x', actionType: 1 }))).toBeNull();
    expect(decodeRtc('not json')).toBeNull();
    expect(decodeRtc(JSON.stringify({ businessID: 'ringlet.rtc', version: 1, roomID: 'r', from: 'a', sid: 's', type: 'offer' }))).toBeNull();
    expect(decodeRtc(JSON.stringify({ businessID: 'ringlet.rtc', version: 1, roomID: 'r', from: 'bad id!', sid: 's', type: 'bye' }))).toBeNull();
  });

  it('splits a long SDP into parts under the payload limit and reassembles them in any order', () => {
    const sdp = 'a'.repeat(SDP_PART_CHARS * 2 + 10);
    const parts = splitSdp(sdp);
    expect(parts).toHaveLength(3);
    const messages = parts.map((p, i) => decodeRtc(encodeRtc(envelope, { type: 'sdp', kind: 'offer', id: 'o1', part: i, parts: 3, sdp: p, to: 'bob', toSid: 'b' }))!);
    for (const m of messages) expect(new TextEncoder().encode(JSON.stringify(m)).length).toBeLessThan(8192);
    const asm = new SdpAssembler();
    expect(asm.add(messages[2] as never)).toBeNull();
    expect(asm.add(messages[0] as never)).toBeNull();
    expect(asm.add(messages[1] as never)).toBe(sdp);
  });
});

describe('quality from getStats', () => {
  const report = (over: { inA?: number; inV?: number; recv?: number; lost?: number; rtt?: number }) => [
    { type: 'inbound-rtp', kind: 'audio', bytesReceived: over.inA ?? 0, packetsReceived: over.recv ?? 0, packetsLost: over.lost ?? 0 },
    { type: 'inbound-rtp', kind: 'video', bytesReceived: over.inV ?? 0, packetsReceived: 0, packetsLost: 0 },
    { type: 'outbound-rtp', kind: 'audio', bytesSent: 7 },
    { type: 'transport', selectedCandidatePairId: 'p1' },
    { type: 'candidate-pair', id: 'p1', state: 'succeeded', nominated: true, currentRoundTripTime: over.rtt ?? 0.02 },
  ];

  it('reads bytes per kind and the selected pair\'s round-trip time', () => {
    expect(sampleFromStats(report({ inA: 100, inV: 2000 }), 1)).toMatchObject({ inAudioBytes: 100, inVideoBytes: 2000, outAudioBytes: 7, rtt: 0.02 });
  });

  it('grades by loss over the interval and by round-trip time', () => {
    const a = sampleFromStats(report({ recv: 100, lost: 0 }), 1);
    expect(gradeQuality(a, sampleFromStats(report({ recv: 200, lost: 1 }), 2))).toEqual({ level: 'good', rttMs: 20, lossPct: 1 });
    expect(gradeQuality(a, sampleFromStats(report({ recv: 190, lost: 20 }), 2)).level).toBe('poor');
    expect(gradeQuality(a, sampleFromStats(report({ recv: 200, rtt: 0.3 }), 2)).level).toBe('fair');
    expect(gradeQuality(null, sampleFromStats([], 1)).level).toBe('unknown');
  });
});
