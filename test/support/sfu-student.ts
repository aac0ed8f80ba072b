/**
 * A synthetic classroom participant in Node (werift): joins the call's Janus room with the
 * grant the Ringlet server minted and publishes one Opus audio stream of generated frames
 * (20 ms each), like a student with an open microphone. Whether those packets reach
 * anyone is up to the server's floor control (moderate), not to this client.
 */
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters, RtpHeader, RtpPacket } from 'werift';
import { JanusConnection, type Jsep, type SocketLike } from '../../src/protocol/janus.ts';
import type { SfuJoin } from '../../src/protocol/sfu.ts';

export interface SyntheticStudent {
  userID: string;
  feed: number;
  /** RTP packets written so far. */
  sent(): number;
  leave(): Promise<void>;
}

const wsFactory = (url: string, protocol: string): SocketLike => new WebSocket(url, protocol) as unknown as SocketLike;

export async function startSyntheticStudent(userID: string, grant: SfuJoin): Promise<SyntheticStudent> {
  const conn = await JanusConnection.open(grant.url, wsFactory);
  const handle = await conn.attach();
  await handle.message({ request: 'join', ptype: 'publisher', room: grant.room, id: grant.feed, token: grant.token, display: userID });
  const pc = new RTCPeerConnection({
    codecs: { audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 })] },
    iceUseIpv6: false,
    iceUseTcp: false,
    iceAdditionalHostAddresses: ['127.0.0.1'],
  });
  const track = new MediaStreamTrack({ kind: 'audio' });
  pc.addTransceiver(track, { direction: 'sendonly' });
  await pc.setLocalDescription(await pc.createOffer());
  // werift gathers before it resolves: the local description carries its candidates.
  const offer = pc.localDescription!;
  const answer = await handle.message({ request: 'publish', display: userID }, { type: 'offer', sdp: offer.sdp } as Jsep);
  if (!answer.jsep) throw new Error('Janus answered without SDP');
  await pc.setRemoteDescription({ type: 'answer', sdp: answer.jsep.sdp });
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      if (pc.connectionState === 'connected') resolve();
      else if (pc.connectionState === 'failed') reject(new Error(`${userID}: connection to Janus failed`));
    };
    pc.connectionStateChange.subscribe(check);
    check();
  });
  let seq = randomBytes(2).readUInt16BE();
  let ts = randomBytes(4).readUInt32BE();
  let count = 0;
  // An Opus frame: TOC 0xfc (CELT fullband, 20 ms, one frame) and 60 bytes of payload.
  const timer = setInterval(() => {
    seq = (seq + 1) & 0xffff;
    ts = (ts + 960) >>> 0;
    const header = new RtpHeader({ payloadType: 111, sequenceNumber: seq, timestamp: ts, marker: false });
    track.writeRtp(new RtpPacket(header, Buffer.concat([Buffer.from([0xfc]), randomBytes(60)])));
    count++;
  }, 20);
  return {
    userID,
    feed: grant.feed,
    sent: () => count,
    async leave() {
      clearInterval(timer);
      await pc.close();
      conn.close();
    },
  };
}
