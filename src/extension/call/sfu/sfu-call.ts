/**
 * A group call's media through the SFU, for the call window's CallSession: asks the
 * server for a join grant (`getSfuJoin`); when the call is small enough for the mesh (or
 * the server has no SFU) it answers null and the session runs the mesh as before.
 * Otherwise it joins the Janus room (sfu-room.ts), sends what the window may send, and
 * turns the remote feeds into the session's peer tiles.
 */
import type { SfuJoin } from '../../../protocol/sfu.ts';
import type { Chat } from '../../../sdk/chat.ts';
import type { PeerView } from '../view.ts';
import type { StatsSample } from '../stats.ts';
import { SfuRoom } from './sfu-room.ts';

/** The part of the SDK's `Chat` that asks for an SFU grant. */
export type SfuChat = Pick<Chat, 'getSfuJoin'>;

/** Server answers that mean "this call runs on the mesh". */
const MESH_REASONS = new Set(['mesh_call', 'no_sfu']);

export class SfuCall {
  onChange: (() => void) | null = null;
  /** A remote participant that published left the room. */
  onLeft: ((userID: string) => void) | null = null;
  #room: SfuRoom;
  #sent = '';

  private constructor(room: SfuRoom, readonly role: SfuJoin['role']) {
    this.#room = room;
    room.onChange = () => this.onChange?.();
    room.onLeft = (u) => this.onLeft?.(u);
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
    return new SfuCall(room, grant.role);
  }

  /** Publishes exactly these tracks (none: listen-only); republishes only on a change. */
  async send(tracks: Array<MediaStreamTrack | null>): Promise<void> {
    const live = tracks.filter((t): t is MediaStreamTrack => t !== null);
    const key = live.map((t) => t.id).join(',');
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
    return this.#room.leave();
  }
}
