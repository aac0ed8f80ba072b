/**
 * A group call's media through the SFU, for the call window's CallSession: asks the
 * server for a join grant (`getSfuJoin`); when the call is small enough for the mesh (or
 * the server has no SFU) it answers null and the session runs the mesh as before.
 * Otherwise it joins the Janus room (sfu-room.ts), sends what the window may send, and
 * turns the remote feeds into the session's peer tiles.
 *
 * When the room is lost (Janus restarted, or the server closed the room) it rejoins with a
 * new grant, retrying with a growing pause (1 s doubling to 8 s) for up to two minutes,
 * and sends the same tracks again. When the server kicked this participant (its user left
 * the group), or refuses a new grant (8011: no longer a participant), the call is over for
 * this window (`onEnded`).
 */
import type { SfuJoin } from '../../../protocol/sfu.ts';
import type { Chat } from '../../../sdk/chat.ts';
import type { PeerView } from '../view.ts';
import type { StatsSample } from '../stats.ts';
import { SfuRoom, type RoomEnd, type SfuListeners } from './sfu-room.ts';

/** The part of the SDK's `Chat` that asks for an SFU grant. */
export type SfuChat = Pick<Chat, 'getSfuJoin'>;

/** Server answers that mean "this call runs on the mesh". */
const MESH_REASONS = new Set(['mesh_call', 'no_sfu']);
/** 8011: the server will not grant this user a place in the call any more. */
const NOT_PERMITTED = 8011;
const REJOIN_FIRST_MS = 1000;
const REJOIN_MAX_MS = 8000;
const REJOIN_FOR_MS = 120_000;

interface CallInput {
  chat: SfuChat;
  inviteID: string;
  userID: string;
  iceServers: RTCIceServer[];
}

/** Why the call is over for this window: kicked by the server, no longer granted, or Janus not back within the rejoin time. */
export type CallEnd = 'kicked' | 'refused' | 'unreachable';

export class SfuCall implements SfuListeners<CallEnd> {
  onChange: (() => void) | null = null;
  /** A remote participant that published left the room. */
  onLeft: ((userID: string) => void) | null = null;
  /** This window is out of the call for good: kicked by the server, or no longer granted. */
  onEnded: ((why: CallEnd) => void) | null = null;
  #room: SfuRoom;
  #in: CallInput;
  #tracks: MediaStreamTrack[] = [];
  #sent = '';
  #left = false;
  /** How many times this window joined again after losing the room (tests, diagnostics). */
  rejoins = 0;

  private constructor(room: SfuRoom, input: CallInput, readonly role: SfuJoin['role']) {
    this.#in = input;
    this.#room = room;
    this.#watch(room);
  }

  /** Joins the call's SFU room, or null when the call stays on the mesh. */
  static async open(chat: SfuChat, inviteID: string, userID: string, iceServers: RTCIceServer[]): Promise<SfuCall | null> {
    let grant: SfuJoin;
    try {
      grant = (await chat.getSfuJoin({ inviteID })).data;
    } catch (e) {
      // No grant: the call runs on the mesh (a small call, no SFU on the server, or the
      // question failed: the mesh still serves up to 6, which beats no call at all).
      if (!MESH_REASONS.has((e as { reason?: string }).reason ?? '')) console.warn('[ringlet call] getSfuJoin failed; using the mesh:', e);
      return null;
    }
    const room = new SfuRoom({ grant, userID, iceServers });
    await room.join();
    return new SfuCall(room, { chat, inviteID, userID, iceServers }, grant.role);
  }

  /** Publishes exactly these tracks (none: listen-only); republishes only on a change. */
  async send(tracks: Array<MediaStreamTrack | null>): Promise<void> {
    const live = tracks.filter((t): t is MediaStreamTrack => t !== null);
    const key = live.map((t) => t.id).join(',');
    this.#tracks = live;
    if (key === this.#sent) return;
    this.#sent = key;
    await this.#room.publish(live);
  }

  peers(): PeerView[] {
    return [...this.#room.feeds.values()].map((f) => ({
      userID: f.userID,
      media: { audio: f.stream.getAudioTracks().length > 0, video: f.stream.getVideoTracks().length > 0 },
      connection: 'connected',
      restarting: false,
      quality: { level: 'unknown', rttMs: null, lossPct: null },
      stream: f.stream,
      connected: true,
    }));
  }

  /** Bytes received per remote user (the session's `samples()` in SFU mode). */
  async samples(): Promise<Record<string, StatsSample>> {
    const bytes = await this.#room.inboundBytes();
    const out: Record<string, StatsSample> = {};
    for (const [feed, b] of bytes) {
      const user = this.#room.feeds.get(feed)?.userID;
      if (user) out[user] = { at: Date.now(), inAudioBytes: b.audio, inVideoBytes: b.video, outAudioBytes: 0, outVideoBytes: 0, packetsReceived: 0, packetsLost: 0, rtt: null };
    }
    return out;
  }

  leave(): Promise<void> {
    this.#left = true;
    return this.#room.leave();
  }

  #watch(room: SfuRoom): void {
    room.onChange = () => this.onChange?.();
    room.onLeft = (u) => this.onLeft?.(u);
    room.onEnded = (why) => void this.#ended(why);
  }

  async #ended(why: RoomEnd): Promise<void> {
    this.onChange?.();
    if (this.#left) return;
    if (why === 'kicked') return this.onEnded?.('kicked');
    const until = Date.now() + REJOIN_FOR_MS;
    for (let pause = REJOIN_FIRST_MS; !this.#left; pause = Math.min(REJOIN_MAX_MS, pause * 2)) {
      await new Promise((r) => setTimeout(r, pause));
      if (this.#left) return;
      let room: SfuRoom | null = null;
      try {
        const { chat, inviteID, userID, iceServers } = this.#in;
        const grant = (await chat.getSfuJoin({ inviteID })).data;
        room = new SfuRoom({ grant, userID, iceServers });
        await room.join();
        if (this.#left) return void room.leave();
        this.#room = room;
        this.#watch(room);
        this.#sent = '';
        this.rejoins++;
        await this.send(this.#tracks);
        this.onChange?.();
        return;
      } catch (e) {
        void room?.leave();
        if ((e as { code?: number }).code === NOT_PERMITTED) return this.onEnded?.('refused');
        if (Date.now() > until) return this.onEnded?.('unreachable');
        console.warn('[ringlet call] rejoining the SFU room failed; trying again:', e);
      }
    }
  }
}
