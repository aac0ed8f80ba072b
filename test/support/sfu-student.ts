/**
 * A synthetic classroom participant in Node (werift): joins the call's Janus room with the
 * grant the Ringlet server minted and publishes one Opus audio stream of generated frames
 * (20 ms each), like a student with an open microphone. Whether those packets reach
 * anyone is up to the server's floor control (moderate), not to this client. It can also
 * subscribe to another participant's feed and count the RTP packets that arrive.
 */
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters, RtpHeader, RtpPacket } from 'werift';
import { JanusConnection, type JanusHandle, type Jsep, type SocketLike } from '../../src/protocol/janus.ts';
import type { SfuJoin } from '../../src/protocol/sfu.ts';

export interface SyntheticStudent {
  userID: string;
  feed: number;
  /** RTP packets written so far. */
  sent(): number;
  /** RTP packets received so far on the subscription (`subscribe`). */
  received(): number;
  /** Subscribes to that publisher's streams (with this participant's private id). */
  subscribe(feed: number): Promise<void>;
  /** A raw `configure` on the publisher handle (tests of what a participant may not change). */
  configure(body: Record<string, unknown>): Promise<Record<string, unknown>>;
  leave(): Promise<void>;
}

const wsFactory = (url: string, protocol: string): SocketLike => new WebSocket(url, protocol) as unknown as SocketLike;
const peerConfig = {
  codecs: {
    audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 })],
    video: [new RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90000 })],
  },
  iceUseIpv6: false,
  iceUseTcp: false,
  iceAdditionalHostAddresses: ['127.0.0.1'],
};

async function connected(pc: RTCPeerConnection, what: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      if (pc.connectionState === 'connected') resolve();
      else if (pc.connectionState === 'failed') reject(new Error(`${what}: connection to Janus failed`));
    };
    pc.connectionStateChange.subscribe(check);
    check();
  });
}

export async function startSyntheticStudent(userID: string, grant: SfuJoin): Promise<SyntheticStudent> {
  const conn = await JanusConnection.open(grant.url, wsFactory, { token: grant.token });
  const handle = await conn.attach();
  const joined = await handle.message({ request: 'join', ptype: 'publisher', room: grant.room, id: grant.feed, token: grant.token, display: userID });
  const privateID = Number(joined.data.private_id);
  const pc = new RTCPeerConnection(peerConfig);
  const track = new MediaStreamTrack({ kind: 'audio' });
  pc.addTransceiver(track, { direction: 'sendonly' });
  await pc.setLocalDescription(await pc.createOffer());
  // werift gathers before it resolves: the local description carries its candidates.
  const offer = pc.localDescription!;
  const answer = await handle.message({ request: 'publish', display: userID }, { type: 'offer', sdp: offer.sdp } as Jsep);
  if (!answer.jsep) throw new Error('Janus answered without SDP');
  await pc.setRemoteDescription({ type: 'answer', sdp: answer.jsep.sdp });
  await connected(pc, userID);
  let seq = randomBytes(2).readUInt16BE();
  let ts = randomBytes(4).readUInt32BE();
  let count = 0;
  let received = 0;
  // An Opus frame: TOC 0xfc (CELT fullband, 20 ms, one frame) and 60 bytes of payload.
  const timer = setInterval(() => {
    seq = (seq + 1) & 0xffff;
    ts = (ts + 960) >>> 0;
    const header = new RtpHeader({ payloadType: 111, sequenceNumber: seq, timestamp: ts, marker: false });
    track.writeRtp(new RtpPacket(header, Buffer.concat([Buffer.from([0xfc]), randomBytes(60)])));
    count++;
  }, 20);
  let sub: { handle: JanusHandle; pc: RTCPeerConnection } | null = null;
  return {
    userID,
    feed: grant.feed,
    sent: () => count,
    received: () => received,
    async subscribe(feed: number) {
      const h = await conn.attach();
      const r = await h.message({ request: 'join', ptype: 'subscriber', room: grant.room, private_id: privateID, streams: [{ feed }] });
      if (!r.jsep) throw new Error('Janus offered no subscription');
      const spc = new RTCPeerConnection(peerConfig);
      spc.onTransceiverAdded.subscribe((t) => t.onTrack.subscribe((tr) => tr.onReceiveRtp.subscribe(() => received++)));
      await spc.setRemoteDescription({ type: 'offer', sdp: r.jsep.sdp });
      await spc.setLocalDescription(await spc.createAnswer());
      await h.message({ request: 'start' }, { type: 'answer', sdp: spc.localDescription!.sdp } as Jsep);
      await connected(spc, `${userID}'s subscription`);
      sub = { handle: h, pc: spc };
    },
    configure: async (body) => (await handle.message({ request: 'configure', ...body })).data,
    async leave() {
      clearInterval(timer);
      await pc.close();
      await sub?.pc.close();
      conn.close();
    },
  };
}
