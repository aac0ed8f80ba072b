/**
 * SFU bench: the CPU Janus spends per forwarded stream, and the largest classroom this
 * machine carries by that measure. Janus runs with a generated config (launch.ts); one
 * werift publisher sends a classroom teacher's load (Opus-sized audio at 50 packets/s and
 * a VP8-sized video stream of ~30 packets/s, ~250 kbit/s); K werift subscribers receive
 * both. Janus's own CPU time (from /proc) is read over a fixed window at each K.
 *
 *   npm run bench:sfu                  K = 0, 4, 8, 16
 *   npm run bench:sfu -- --steps=0,4   custom steps; --seconds=10 window per step
 *
 * Figures are indicative on a shared, loaded machine: the load generators (werift, in
 * this process) compete with Janus for the same cores.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters, RtpHeader, RtpPacket } from 'werift';
import WebSocket from 'ws';
import { JanusConnection, type Jsep, type SocketLike } from '../../src/protocol/janus.ts';
import { JanusAdmin } from '../../src/server/sfu/janus-admin.ts';
import { launchJanus } from '../../src/server/sfu/launch.ts';

const arg = (name: string, dflt: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt;
const STEPS = arg('steps', '0,4,8,16').split(',').map(Number);
const WINDOW_S = Number(arg('seconds', '10'));
const ROOM = 1234;
const ws = (u: string, p: string) => new WebSocket(u, p) as unknown as SocketLike;
const codecs = {
  audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 })],
  video: [new RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90000 })],
};
const peerConfig = { codecs, iceUseIpv6: false, iceUseTcp: false, iceAdditionalHostAddresses: ['127.0.0.1'] };

const TICK_HZ = 100;
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICK_HZ;
}

async function connected(pc: RTCPeerConnection): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const check = () => (pc.connectionState === 'connected' ? resolve() : pc.connectionState === 'failed' ? reject(new Error('ICE failed')) : undefined);
    pc.connectionStateChange.subscribe(check);
    check();
  });
}

/** Janus runs with token_auth: the bench's clients share one token, added as the server adds one per grant. */
let token = '';

async function publisher(url: string, adminKey: string) {
  const conn = await JanusConnection.open(url, ws, { token });
  const h = await conn.attach();
  await h.message({ request: 'create', room: ROOM, admin_key: adminKey, publishers: 10, bitrate: 512_000 });
  const joined = await h.message({ request: 'join', ptype: 'publisher', room: ROOM, display: 'teacher' });
  const pc = new RTCPeerConnection(peerConfig);
  const audio = new MediaStreamTrack({ kind: 'audio' });
  const video = new MediaStreamTrack({ kind: 'video' });
  pc.addTransceiver(audio, { direction: 'sendonly' });
  pc.addTransceiver(video, { direction: 'sendonly' });
  await pc.setLocalDescription(await pc.createOffer());
  const answer = await h.message({ request: 'publish' }, { type: 'offer', sdp: pc.localDescription!.sdp } as Jsep);
  await pc.setRemoteDescription({ type: 'answer', sdp: answer.jsep!.sdp });
  await connected(pc);
  let aSeq = 0, aTs = 0, vSeq = 0, vTs = 0, frame = 0;
  const aTimer = setInterval(() => {
    aSeq = (aSeq + 1) & 0xffff;
    aTs = (aTs + 960) >>> 0;
    audio.writeRtp(new RtpPacket(new RtpHeader({ payloadType: 111, sequenceNumber: aSeq, timestamp: aTs }), Buffer.concat([Buffer.from([0xfc]), randomBytes(80)])));
  }, 20);
  const vTimer = setInterval(() => {
    vSeq = (vSeq + 1) & 0xffff;
    vTs = (vTs + 3000) >>> 0;
    // VP8 payload descriptor (start of partition) + a payload header: a keyframe every 60 frames.
    const key = frame++ % 60 === 0;
    const payload = Buffer.concat([Buffer.from([0x10, key ? 0x00 : 0x01, 0, 0]), randomBytes(1000)]);
    if (key) payload.set([0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01], 4); // 640x480 keyframe header
    video.writeRtp(new RtpPacket(new RtpHeader({ payloadType: 96, sequenceNumber: vSeq, timestamp: vTs, marker: true }), payload));
  }, 33);
  return {
    feed: Number(joined.data.id),
    privateID: Number(joined.data.private_id),
    async stop() {
      clearInterval(aTimer);
      clearInterval(vTimer);
      await pc.close();
      conn.close();
    },
  };
}

async function subscriber(url: string, feed: number) {
  const conn = await JanusConnection.open(url, ws, { token });
  const h = await conn.attach();
  const r = await h.message({ request: 'join', ptype: 'subscriber', room: ROOM, streams: [{ feed }] });
  const pc = new RTCPeerConnection(peerConfig);
  let packets = 0;
  pc.onTransceiverAdded.subscribe((t) => t.onTrack.subscribe((track) => track.onReceiveRtp.subscribe(() => packets++)));
  await pc.setRemoteDescription({ type: 'offer', sdp: r.jsep!.sdp });
  await pc.setLocalDescription(await pc.createAnswer());
  await h.message({ request: 'start' }, { type: 'answer', sdp: pc.localDescription!.sdp } as Jsep);
  await connected(pc);
  return {
    packets: () => packets,
    async stop() {
      await pc.close();
      conn.close();
    },
  };
}

const dir = mkdtempSync(join(tmpdir(), 'ringlet-sfu-bench-'));
const janus = await launchJanus({ dir: join(dir, 'conf'), iceInterfaces: 'lo', sessionTimeout: 60 });
const pid = janus.process.pid!;
const admin = await JanusAdmin.connect(janus.sfu.admin);
token = randomBytes(24).toString('base64url');
await admin.addToken(token);
admin.close();
const rows: Array<{ subscribers: number; streams: number; janusCpuPct: number; forwardedPps: number }> = [];
try {
  const pub = await publisher(janus.url, janus.adminKey);
  const subs: Array<Awaited<ReturnType<typeof subscriber>>> = [];
  for (const k of STEPS) {
    while (subs.length < k) subs.push(await subscriber(janus.url, pub.feed));
    await new Promise((r) => setTimeout(r, 2000)); // let the new subscriptions settle before the window
    const c0 = cpuSeconds(pid), p0 = subs.reduce((n, s) => n + s.packets(), 0), t0 = Date.now();
    await new Promise((r) => setTimeout(r, WINDOW_S * 1000));
    const secs = (Date.now() - t0) / 1000;
    const cpu = (cpuSeconds(pid) - c0) / secs;
    const pps = (subs.reduce((n, s) => n + s.packets(), 0) - p0) / secs;
    rows.push({ subscribers: k, streams: 2 * k, janusCpuPct: +(cpu * 100).toFixed(2), forwardedPps: Math.round(pps) });
    console.log(`K=${k}: Janus ${(cpu * 100).toFixed(2)} % of one core, ${Math.round(pps)} packets/s forwarded to ${2 * k} streams`);
  }
  for (const s of subs) await s.stop();
  await pub.stop();
} finally {
  await janus.stop();
  rmSync(dir, { recursive: true, force: true });
}

// CPU per forwarded packet: the slope between the publisher-only step and the largest.
// The werift generators in this process may not keep the nominal rates on a loaded
// machine, so costs are per packet actually forwarded, then scaled to nominal rates.
const base = rows[0]!, top = rows[rows.length - 1]!;
const perPacketCore = top.forwardedPps > 0 ? (top.janusCpuPct - base.janusCpuPct) / 100 / top.forwardedPps : NaN;
/** Nominal packets/s: Opus 20 ms frames; VP8 at the 512 kbit/s room cap in ~1150-byte packets. */
const PPS = { audio: 50, video: 55 };
const perStreamPct = { audio: +(perPacketCore * PPS.audio * 100).toFixed(3), video: +(perPacketCore * PPS.video * 100).toFixed(3) };
// A classroom of N students: each receives the teacher's audio and video and the speaker's audio.
const perStudentPct = perPacketCore * (2 * PPS.audio + PPS.video) * 100;
// Budget: one of this machine's cores for Janus, the rest for Ringlet, the OS and headroom.
const largest = Math.floor((100 - base.janusCpuPct) / perStudentPct);
const summary = {
  date: new Date().toISOString(), cores: cpus().length, windowSeconds: WINDOW_S, rows,
  perForwardedPacketMicros: +(perPacketCore * 1e6).toFixed(1), perStreamCpuPct: perStreamPct,
  perStudentCpuPct: +perStudentPct.toFixed(2), largestClassroomOneCore: largest,
};
console.log(JSON.stringify(summary, null, 2));
mkdirSync(join(import.meta.dirname, '..', 'results'), { recursive: true });
writeFileSync(join(import.meta.dirname, '..', 'results', 'sfu.json'), `${JSON.stringify(summary, null, 2)}\n`);
