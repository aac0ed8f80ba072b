/**
 * One RTCPeerConnection to one participant. The offerer (room.ts: the smaller userID)
 * creates one audio and one video transceiver up front and every offer after; the other
 * side only answers. Switching audio ↔ video, muting, turning the camera off and picking
 * another device are all `replaceTrack` on those two senders, so no call ever needs a
 * renegotiation (and no offers can cross). ICE failure gets exactly one ICE restart
 * (asked of the offerer when the answerer notices first); failing again ends the link.
 */
import { SdpAssembler, splitSdp, type RtcBody, type RtcMessage } from '../../protocol/rtc-data.ts';
import { sampleFromStats, type StatsSample } from './stats.ts';

/** How long an ICE restart may take before the link is given up. */
export const RESTART_GRACE_MS = 10_000;

export interface PeerLinkOptions {
  userID: string;
  sid: string;
  offerer: boolean;
  iceServers: RTCIceServer[];
  /** Sends a message addressed to this peer (the runner adds the envelope). */
  send: (body: RtcBody) => void;
  onStream: (stream: MediaStream) => void;
  onState: (state: RTCPeerConnectionState, restarting: boolean) => void;
  /** Failed for good (after the one restart). */
  onFailed: () => void;
  log?: (what: string, e: unknown) => void;
}

export class PeerLink {
  readonly userID: string;
  readonly sid: string;
  readonly offerer: boolean;
  readonly pc: RTCPeerConnection;
  readonly stream = new MediaStream();
  #o: PeerLinkOptions;
  #audio: RTCRtpTransceiver | null = null;
  #video: RTCRtpTransceiver | null = null;
  #tracks: { audio: MediaStreamTrack | null; video: MediaStreamTrack | null };
  #queued: RTCIceCandidateInit[] = [];
  #sdp = new SdpAssembler();
  #seq = 0;
  #restarted = false;
  #restartTimer: ReturnType<typeof setTimeout> | null = null;
  #closed = false;
  #chain: Promise<void> = Promise.resolve();

  constructor(o: PeerLinkOptions, tracks: { audio: MediaStreamTrack | null; video: MediaStreamTrack | null }) {
    this.#o = o;
    this.userID = o.userID;
    this.sid = o.sid;
    this.offerer = o.offerer;
    this.#tracks = { ...tracks };
    this.pc = new RTCPeerConnection({ iceServers: o.iceServers });
    this.pc.onicecandidate = (e) => {
      if (e.candidate && e.candidate.candidate) this.#send({ type: 'candidate', candidate: e.candidate.toJSON() as never });
    };
    this.pc.ontrack = (e) => {
      if (!this.stream.getTracks().includes(e.track)) this.stream.addTrack(e.track);
      o.onStream(this.stream);
    };
    this.pc.onconnectionstatechange = () => this.#onConnectionState();
    if (o.offerer) {
      this.#audio = this.pc.addTransceiver(tracks.audio ?? 'audio', { direction: 'sendrecv' });
      this.#video = this.pc.addTransceiver(tracks.video ?? 'video', { direction: 'sendrecv' });
      this.#serial(() => this.#offer(false));
    }
  }

  get state(): RTCPeerConnectionState {
    return this.pc.connectionState;
  }

  get restarting(): boolean {
    return this.#restartTimer !== null;
  }

  /** An SDP part, a candidate or a restart request from this peer. */
  handle(msg: Extract<RtcMessage, { type: 'sdp' | 'candidate' | 'restart' }>): void {
    if (this.#closed) return;
    if (msg.type === 'candidate') {
      this.#serial(() => this.#candidate(msg.candidate as RTCIceCandidateInit));
    } else if (msg.type === 'restart') {
      if (this.offerer) this.restart();
    } else {
      const sdp = this.#sdp.add(msg);
      if (sdp !== null) this.#serial(() => (msg.kind === 'offer' ? this.#answer(sdp) : this.#accept(sdp)));
    }
  }

  /** Puts a track (or nothing: muted / camera off) on the audio or video sender. */
  async setTrack(kind: 'audio' | 'video', track: MediaStreamTrack | null): Promise<void> {
    this.#tracks[kind] = track;
    const t = kind === 'audio' ? this.#audio : this.#video;
    if (t && !this.#closed) await t.sender.replaceTrack(track);
  }

  /** The one ICE restart; the answerer asks the offerer for it. */
  restart(): void {
    if (this.#restarted || this.#closed) return;
    this.#restarted = true;
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = null;
      if (this.pc.connectionState !== 'connected') this.#fail();
    }, RESTART_GRACE_MS);
    this.#o.onState(this.pc.connectionState, true);
    if (this.offerer) this.#serial(() => this.#offer(true));
    else this.#send({ type: 'restart' });
  }

  async sample(): Promise<StatsSample> {
    const report = await this.pc.getStats();
    return sampleFromStats(report.values() as Iterable<never>, Date.now());
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#restartTimer) clearTimeout(this.#restartTimer);
    this.#restartTimer = null;
    this.pc.onicecandidate = this.pc.ontrack = this.pc.onconnectionstatechange = null;
    this.pc.close();
  }

  #onConnectionState(): void {
    const s = this.pc.connectionState;
    if (s === 'connected' && this.#restartTimer) {
      clearTimeout(this.#restartTimer);
      this.#restartTimer = null;
    }
    this.#o.onState(s, this.restarting);
    if (s === 'failed') {
      if (!this.#restarted) this.restart();
      else if (!this.#restartTimer) this.#fail();
    }
  }

  #fail(): void {
    if (this.#closed) return;
    this.#o.onFailed();
  }

  #send(body: Record<string, unknown>): void {
    if (this.#closed) return;
    this.#o.send({ ...body, to: this.userID, toSid: this.sid } as RtcBody);
  }

  #sendSdp(kind: 'offer' | 'answer', sdp: string): void {
    const parts = splitSdp(sdp);
    const id = `${kind}-${++this.#seq}`;
    parts.forEach((part, i) => this.#send({ type: 'sdp', kind, id, part: i, parts: parts.length, sdp: part }));
  }

  /** Runs negotiation steps one after another (an answer must not overtake its offer). */
  #serial(step: () => Promise<void>): void {
    this.#chain = this.#chain.then(step).catch((e) => this.#o.log?.(`peer ${this.userID}`, e));
  }

  async #offer(iceRestart: boolean): Promise<void> {
    if (this.#closed) return;
    const offer = await this.pc.createOffer({ iceRestart });
    await this.pc.setLocalDescription(offer);
    this.#sendSdp('offer', this.pc.localDescription?.sdp ?? offer.sdp ?? '');
  }

  async #answer(sdp: string): Promise<void> {
    if (this.#closed || this.offerer) return;
    await this.pc.setRemoteDescription({ type: 'offer', sdp });
    if (!this.#audio || !this.#video) {
      // The offer created the transceivers: send on them too.
      for (const t of this.pc.getTransceivers()) {
        const kind = t.receiver.track.kind;
        if (kind === 'audio' && !this.#audio) this.#audio = t;
        else if (kind === 'video' && !this.#video) this.#video = t;
      }
      for (const [t, track] of [
        [this.#audio, this.#tracks.audio],
        [this.#video, this.#tracks.video],
      ] as const) {
        if (!t) continue;
        t.direction = 'sendrecv';
        await t.sender.replaceTrack(track);
      }
    }
    const answer = await this.pc.createAnswer();
    await this.pc.setLocalDescription(answer);
    this.#sendSdp('answer', this.pc.localDescription?.sdp ?? answer.sdp ?? '');
    await this.#flush();
  }

  async #accept(sdp: string): Promise<void> {
    if (this.#closed || this.pc.signalingState !== 'have-local-offer') return;
    await this.pc.setRemoteDescription({ type: 'answer', sdp });
    await this.#flush();
  }

  async #candidate(c: RTCIceCandidateInit): Promise<void> {
    if (this.#closed) return;
    if (!this.pc.remoteDescription) this.#queued.push(c);
    else await this.pc.addIceCandidate(c).catch((e) => this.#o.log?.('candidate', e));
  }

  async #flush(): Promise<void> {
    const queued = this.#queued.splice(0);
    for (const c of queued) await this.pc.addIceCandidate(c).catch((e) => this.#o.log?.('candidate', e));
  }
}
