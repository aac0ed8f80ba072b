/**
 * The call window's side of an SFU call (docs/CALLS.md "Classrooms and large calls"):
 * speaks Janus's JSON API over the browser's WebSocket (src/protocol/janus.ts) with the
 * grant the Ringlet server minted (`getSfuJoin`). One publisher PeerConnection sends this
 * window's tracks (only what the role allows: a listen-only student publishes nothing
 * until given the floor); one subscriber PeerConnection receives every other publisher
 * (Janus multistream), renegotiated by Janus as publishers come and go. Every Janus request
 * carries the grant's token (Janus's token_auth). It says when it is out of the room:
 * the connection was lost (Janus restarted), the room was destroyed, or the server kicked
 * this participant (its user left the group); sfu-call.ts decides whether to rejoin.
 */
import { JanusConnection, type JanusHandle, type Jsep, type JanusSocketFactory } from '../../../protocol/janus.ts';
import type { SfuJoin } from '../../../protocol/sfu.ts';

export interface RemoteFeed {
  feed: number;
  /** The publisher's display: its userID. */
  userID: string;
  stream: MediaStream;
}

export interface SfuRoomOptions {
  grant: SfuJoin;
  userID: string;
  iceServers?: RTCIceServer[];
  /** How to open the WebSocket (default: the browser's). */
  socket?: JanusSocketFactory;
}

const browserSocket: JanusSocketFactory = (url, protocol) => new WebSocket(url, protocol) as unknown as ReturnType<JanusSocketFactory>;

interface PublisherEntry {
  id: number;
  display?: string;
  streams?: Array<{ mid: string; type: string; disabled?: boolean }>;
}

/** Why a room ended for this window: `lost` (the connection to Janus closed), `destroyed` (the server closed the room), `kicked` (the server removed this participant). */
export type RoomEnd = 'lost' | 'destroyed' | 'kicked';

/** What an SFU room, and the call window's SFU call over it, tell their owner. */
export interface SfuListeners<End extends string> {
  onChange: (() => void) | null;
  /** A publisher's participant left the room (it left, its session went, or it was kicked); not a mere unpublish. */
  onLeft: ((userID: string) => void) | null;
  /** Out of the room (or the call) for good, not by one's own `leave`. Called once. */
  onEnded: ((why: End) => void) | null;
}

export class SfuRoom implements SfuListeners<RoomEnd> {
  /** Remote feeds by publisher id. */
  readonly feeds = new Map<number, RemoteFeed>();
  onChange: (() => void) | null = null;
  /** This window is out of the room, not by its own `leave`. Called once. */
  onEnded: ((why: RoomEnd) => void) | null = null;
  /** A publisher's participant left the room (it left, its session went, or it was kicked); not a mere unpublish. */
  onLeft: ((userID: string) => void) | null = null;
  #o: SfuRoomOptions;
  #conn: JanusConnection | null = null;
  #pubHandle: JanusHandle | null = null;
  #subHandle: JanusHandle | null = null;
  #pubPc: RTCPeerConnection | null = null;
  #subPc: RTCPeerConnection | null = null;
  #privateID = 0;
  /** Subscriber mid → publisher feed, from Janus's `streams` lists. */
  #midFeed = new Map<string, number>();
  #subscribed = new Set<number>();
  /** Publisher id → its display (userID), kept until the participant leaves the room. */
  #names = new Map<number, string>();
  #subQueue: Promise<void> = Promise.resolve();
  #ended = false;

  constructor(o: SfuRoomOptions) {
    this.#o = o;
  }

  /** Connects, joins the room with the grant (Janus checks the token), subscribes to everyone already publishing. */
  async join(): Promise<void> {
    const conn = await JanusConnection.open(this.#o.grant.url, this.#o.socket ?? browserSocket, { token: this.#o.grant.token });
    this.#conn = conn;
    conn.onClose(() => this.#end('lost'));
    const pub = await conn.attach();
    this.#pubHandle = pub;
    pub.onEvent = ({ data }) => {
      if (data.videoroom === 'destroyed') return this.#end('destroyed');
      // About this participant itself (not another's id): the server kicked it.
      if (data.leaving === 'ok' && data.reason === 'kicked') return this.#end('kicked');
      if (Array.isArray(data.publishers)) this.#subscribe(data.publishers as PublisherEntry[]);
      for (const k of ['leaving', 'kicked'] as const) {
        if (typeof data[k] !== 'number') continue;
        // Janus sends "unpublished" before "leaving": the publisher's name outlives its feed.
        const user = this.#names.get(data[k]);
        this.#names.delete(data[k]);
        if (user) this.onLeft?.(user);
      }
      for (const k of ['unpublished', 'leaving', 'kicked'] as const) if (typeof data[k] === 'number') this.#gone(data[k]);
    };
    const { grant, userID } = this.#o;
    const joined = await pub.message({ request: 'join', ptype: 'publisher', room: grant.room, id: grant.feed, token: grant.token, display: userID });
    this.#privateID = Number(joined.data.private_id);
    this.#subscribe((joined.data.publishers as PublisherEntry[] | undefined) ?? []);
  }

  /** Sends these tracks (replacing what was sent); none: stop publishing. */
  async publish(tracks: MediaStreamTrack[]): Promise<void> {
    const pub = this.#pubHandle;
    if (!pub) throw new Error('join first');
    if (this.#pubPc) {
      this.#pubPc.close();
      this.#pubPc = null;
      await pub.message({ request: 'unpublish' }).catch(() => {});
    }
    if (tracks.length === 0) return;
    const pc = new RTCPeerConnection({ iceServers: this.#o.iceServers ?? [] });
    this.#pubPc = pc;
    for (const t of tracks) pc.addTransceiver(t, { direction: 'sendonly' });
    pc.onicecandidate = (e) => void pub.trickle(e.candidate ? e.candidate.toJSON() as never : null).catch(() => {});
    await pc.setLocalDescription(await pc.createOffer());
    const answer = await pub.message(
      { request: 'publish', bitrate: this.#o.grant.videoBitrate, display: this.#o.userID },
      pc.localDescription as unknown as Jsep,
    );
    if (!answer.jsep) throw new Error('Janus answered the publish without SDP');
    await pc.setRemoteDescription(answer.jsep);
  }

  /** Publisher feeds this window's subscription carries (negotiated with Janus). */
  get receiving(): number[] {
    return [...new Set(this.#midFeed.values())];
  }

  /** Bytes received so far per remote feed and kind (from the subscriber connection's stats). */
  async inboundBytes(): Promise<Map<number, { audio: number; video: number }>> {
    const out = new Map<number, { audio: number; video: number }>();
    if (!this.#subPc) return out;
    const stats = await this.#subPc.getStats();
    stats.forEach((s: { type: string; kind?: string; mid?: string; bytesReceived?: number }) => {
      if (s.type !== 'inbound-rtp' || s.mid === undefined) return;
      const feed = this.#midFeed.get(s.mid);
      if (feed === undefined) return;
      const e = out.get(feed) ?? { audio: 0, video: 0 };
      if (s.kind === 'audio' || s.kind === 'video') e[s.kind] += s.bytesReceived ?? 0;
      out.set(feed, e);
    });
    return out;
  }

  async leave(): Promise<void> {
    this.#ended = true;
    this.#pubPc?.close();
    this.#subPc?.close();
    await this.#pubHandle?.message({ request: 'leave' }).catch(() => {});
    this.#conn?.close();
    this.feeds.clear();
  }

  /** Out of the room for good: connections closed, the owner told once. */
  #end(why: RoomEnd): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#pubPc?.close();
    this.#subPc?.close();
    this.#conn?.close();
    this.feeds.clear();
    this.onEnded?.(why);
  }

  #gone(feed: number): void {
    this.#subscribed.delete(feed);
    if (this.feeds.delete(feed)) this.onChange?.();
  }

  #subscribe(list: PublisherEntry[]): void {
    const fresh = list.filter((p) => p.id !== this.#o.grant.feed && !this.#subscribed.has(p.id));
    if (fresh.length === 0) return;
    for (const p of fresh) {
      this.#subscribed.add(p.id);
      this.#names.set(p.id, p.display ?? '');
      if (!this.feeds.has(p.id)) this.feeds.set(p.id, { feed: p.id, userID: p.display ?? '', stream: new MediaStream() });
    }
    this.#subQueue = this.#subQueue.then(() => this.#addSubscriptions(fresh.map((p) => p.id))).catch(() => {});
  }

  async #addSubscriptions(feeds: number[]): Promise<void> {
    const conn = this.#conn;
    if (!conn) return;
    if (!this.#subHandle) {
      const sub = await conn.attach();
      this.#subHandle = sub;
      sub.onEvent = ({ data, jsep }) => {
        this.#learnStreams(data);
        if (jsep?.type === 'offer') this.#subQueue = this.#subQueue.then(() => this.#answer(jsep)).catch(() => {});
      };
      const r = await sub.message({
        request: 'join', ptype: 'subscriber', room: this.#o.grant.room, private_id: this.#privateID,
        streams: feeds.map((feed) => ({ feed })),
      });
      this.#learnStreams(r.data);
      if (r.jsep) await this.#answer(r.jsep);
      return;
    }
    const r = await this.#subHandle.message({ request: 'update', subscribe: feeds.map((feed) => ({ feed })) });
    this.#learnStreams(r.data);
    if (r.jsep) await this.#answer(r.jsep);
  }

  #learnStreams(data: Record<string, unknown>): void {
    if (!Array.isArray(data.streams)) return;
    for (const s of data.streams as Array<{ mid?: string; feed_id?: number }>) {
      if (typeof s.mid === 'string' && typeof s.feed_id === 'number') this.#midFeed.set(s.mid, s.feed_id);
    }
  }

  async #answer(offer: Jsep): Promise<void> {
    const sub = this.#subHandle!;
    if (!this.#subPc) {
      const pc = new RTCPeerConnection({ iceServers: this.#o.iceServers ?? [] });
      this.#subPc = pc;
      pc.onicecandidate = (e) => void sub.trickle(e.candidate ? e.candidate.toJSON() as never : null).catch(() => {});
      pc.ontrack = (e) => {
        const feed = e.transceiver.mid ? this.#midFeed.get(e.transceiver.mid) : undefined;
        const f = feed === undefined ? undefined : this.feeds.get(feed);
        if (f) {
          f.stream.addTrack(e.track);
          this.onChange?.();
        }
      };
    }
    const pc = this.#subPc;
    await pc.setRemoteDescription(offer);
    await pc.setLocalDescription(await pc.createAnswer());
    await sub.message({ request: 'start' }, pc.localDescription as unknown as Jsep);
  }
}
