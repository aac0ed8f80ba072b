/**
 * The media side of one call, run by the call window (docs/CALLS.md). It holds its own
 * SDK session (the same account as the worker, one more device of it) and uses it only
 * for media: ICE servers, and online-only RTC messages in the call's conversation. The
 * worker stays the owner of signaling (invite, accept, hang-up, classroom actions).
 *
 * The room's rules are the pure `room.ts`; this runner performs its effects: sends
 * `hello` (heartbeat), `bye`, SDP and candidates; creates and closes the peer
 * connections (peer.ts); samples `getStats` for the quality indicator (stats.ts).
 */
import { decodeRtc, encodeRtc, type RtcBody } from '../../protocol/rtc-data.ts';
import { createRoom, HELLO_INTERVAL_MS, transition, type LeaveReason, type RoomEffect, type RoomEvent, type RoomState } from './room.ts';
import { LocalMedia, type DeviceLists } from './media.ts';
import { PeerLink } from './peer.ts';
import { gradeQuality, type Quality, type StatsSample } from './stats.ts';
import type { PeerView, SessionView } from './view.ts';
import { SfuCall } from './sfu/sfu-call.ts';
import type { Chat } from '../../sdk/chat.ts';
import { EVENT, type ChatEvent } from '../../sdk/events.ts';
import type { ConversationType, Message } from '../../protocol/im.ts';
import type { ActiveCall } from '../shared/schema.ts';

export const STATS_INTERVAL_MS = 2000;

/** The part of the SDK's `Chat` a call window uses: IM for media messages, ICE servers, the SFU grant. */
export type RtcChat = Pick<Chat, 'login' | 'destroy' | 'on' | 'off' | 'createCustomMessage' | 'sendMessage' | 'getIceServers' | 'getSfuJoin'>;

/** One call's media session: the active call's room and media (its inviteID: a group call asks whether it runs on the SFU). */
export interface CallSessionOptions extends Pick<ActiveCall, 'roomID' | 'callType'>, Partial<Pick<ActiveCall, 'inviteID'>> {
  chat: RtcChat;
  userID: string;
  userSig: string;
  /** The call's participants as the worker knows them from the server (ActiveCall.participants). */
  participants: readonly string[];
  conversation: { type: ConversationType; to: string };
  log?: (what: string, e: unknown) => void;
}

type Listener = (v: SessionView) => void;

export class CallSession {
  readonly sid = crypto.randomUUID();
  readonly media = new LocalMedia();
  /** A participant left the room (bye, heartbeat timeout, failed connection). */
  /** A peer left: a mesh link ended (LeaveReason), or on the SFU its participant left the room ('left'). */
  onPeerGone: ((userID: string, reason: LeaveReason | 'left') => void) | null = null;
  /** This window is out of the call: its user left the call's group, or the SFU no longer admits it. */
  onEvicted: (() => void) | null = null;
  /** A participant of a call made from a 1:1 call added these people: the room admits them (the worker should know). */
  onVouched: ((userIDs: string[]) => void) | null = null;
  #o: CallSessionOptions;
  #room: RoomState;
  #links = new Map<string, PeerLink>();
  #quality = new Map<string, { prev: StatsSample | null; q: Quality }>();
  #connected = new Set<string>();
  #view: SessionView;
  #listeners = new Set<Listener>();
  #timers: Array<ReturnType<typeof setInterval>> = [];
  #iceServers: RTCIceServer[] = [];
  #screen: MediaStreamTrack | null = null;
  #onMessage = (e: ChatEvent<Message[]>) => this.#received(e.data);
  #onMembersRemoved = (e: ChatEvent<{ groupID: string; userIDList: string[] }>) => this.#membersRemoved(e.data);
  /** Set when this group call runs on the SFU instead of the mesh. */
  #sfu: SfuCall | null = null;

  constructor(o: CallSessionOptions) {
    this.#o = o;
    this.#room = createRoom(o.userID, this.sid, o.roomID, o.participants);
    this.#view = {
      phase: 'starting',
      error: null,
      micOn: true,
      cameraOn: o.callType === 'video',
      sharing: false,
      listenOnly: false,
      held: false,
      sfuRole: null,
      peers: [],
      refused: [],
      ignored: [],
      preview: this.media.preview,
      micDevice: '',
      cameraDevice: '',
    };
  }

  get view(): SessionView {
    return this.#view;
  }

  subscribe(l: Listener): () => void {
    this.#listeners.add(l);
    l(this.#view);
    return () => this.#listeners.delete(l);
  }

  /** Opens the devices, logs the window's session in, and joins the room. */
  async start(): Promise<void> {
    const o = this.#o;
    try {
      await this.media.openMic();
      if (this.#view.cameraOn) await this.media.openCamera();
    } catch (e) {
      o.log?.('media', e);
      // A call without a camera is still a call; without a microphone we listen only.
      if (!this.media.mic) this.#update({ micOn: false });
      if (!this.media.camera) this.#update({ cameraOn: false });
    }
    o.chat.on(EVENT.MESSAGE_RECEIVED, this.#onMessage);
    o.chat.on(EVENT.GROUP_MEMBERS_REMOVED, this.#onMembersRemoved);
    try {
      await o.chat.login({ userID: o.userID, userSig: o.userSig });
    } catch (e) {
      o.log?.('login', e);
      this.#update({ phase: 'failed', error: 'serverUnreachable' });
      return;
    }
    if (this.#room.left) return;
    try {
      const { data } = await o.chat.getIceServers();
      this.#iceServers = data.iceServers.map((s) => ({ urls: s.urls, ...(s.username ? { username: s.username, credential: s.credential } : {}) }));
    } catch (e) {
      o.log?.('ice servers', e); // host candidates still work on one network
    }
    if (await this.#startSfu()) return;
    this.#update({ phase: 'live', micDevice: this.media.micDevice, cameraDevice: this.media.cameraDevice });
    this.#hello();
    this.#timers.push(
      setInterval(() => {
        this.#hello();
        this.#dispatch({ type: 'tick', now: Date.now() });
      }, HELLO_INTERVAL_MS),
      setInterval(() => void this.#sampleQuality(), STATS_INTERVAL_MS),
    );
  }

  /**
   * More participants became known (an invitee accepted): the room admits them. In a call
   * made from a 1:1 call (C2C, no group) the others hear it from me (`admit`): only the one
   * who added someone hears the server say they answered.
   */
  admit(participants: readonly string[]): void {
    const fresh = participants.filter((u) => u !== this.#o.userID && !this.#room.allowed.includes(u));
    this.#dispatch({ type: 'admit', allowed: [...participants] });
    if (fresh.length > 0 && this.#o.conversation.type === 'C2C') this.#send({ type: 'admit', users: fresh });
  }

  /** Leaves the room (bye to everyone), closes every connection and the session. */
  async leave(): Promise<void> {
    if (this.#room.left) return;
    this.#dispatch({ type: 'leave' });
    void this.#sfu?.leave();
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
    this.media.close();
    this.#screen?.stop();
    this.#update({ phase: 'left' });
    this.#o.chat.off(EVENT.MESSAGE_RECEIVED, this.#onMessage);
    this.#o.chat.off(EVENT.GROUP_MEMBERS_REMOVED, this.#onMembersRemoved);
    // Give the bye a moment on the socket before closing it.
    setTimeout(() => void this.#o.chat.destroy().catch(() => undefined), 300);
  }

  async setMic(on: boolean): Promise<void> {
    if (on && !this.media.mic) await this.media.openMic().catch((e) => this.#o.log?.('microphone', e));
    this.#update({ micOn: on && !!this.media.mic });
    await this.#applyAudio();
  }

  async setListenOnly(listenOnly: boolean): Promise<void> {
    if (listenOnly === this.#view.listenOnly) return;
    this.#update({ listenOnly });
    await this.#applyAudio();
  }

  /**
   * On hold (docs/CALLS.md "Hold"): both senders carry nothing (replaceTrack(null): no RTP
   * leaves) and the window plays nothing of this call; the peer connections, their ICE and
   * the heartbeat stay up, so resuming is replaceTrack back, with no new offer.
   */
  async setHold(held: boolean): Promise<void> {
    if (held === this.#view.held) return;
    this.#update({ held });
    await Promise.all([this.#applyAudio(), this.#applyVideo()]);
  }

  /** Camera on (switching an audio call to video) or off. */
  async setCamera(on: boolean): Promise<void> {
    if (on) {
      try {
        await this.media.openCamera();
      } catch (e) {
        this.#o.log?.('camera', e);
        return;
      }
    } else this.media.stopCamera();
    this.#update({ cameraOn: on, cameraDevice: this.media.cameraDevice });
    await this.#applyVideo();
  }

  /**
   * Shares a screen track (from getDisplayMedia) in place of the camera on every video
   * sender (replaceTrack, no renegotiation), or stops sharing with null. The browser's
   * own "stop sharing" ends the track, which stops sharing too.
   */
  async shareScreen(track: MediaStreamTrack | null): Promise<void> {
    if (this.#screen && this.#screen !== track) this.#screen.stop();
    this.#screen = track;
    if (track) track.addEventListener('ended', () => this.#screen === track && void this.shareScreen(null), { once: true });
    this.#update({ sharing: track !== null });
    await this.#applyVideo();
  }

  /** The shared screen, if any. */
  get screen(): MediaStreamTrack | null {
    return this.#screen;
  }

  get #videoTrack(): MediaStreamTrack | null {
    return this.#view.held ? null : (this.#screen ?? this.media.camera);
  }

  async #applyVideo(): Promise<void> {
    const track = this.#videoTrack;
    await Promise.all([...this.#links.values()].map((l) => l.setTrack('video', track)));
    await this.#sfu?.send([this.#sendingAudio ? this.media.mic : null, track]);
    this.#hello();
  }

  async selectMic(deviceId: string): Promise<void> {
    await this.media.openMic(deviceId);
    this.#update({ micDevice: this.media.micDevice });
    await this.#applyAudio();
  }

  async selectCamera(deviceId: string): Promise<void> {
    this.media.cameraDevice = deviceId;
    this.#update({ cameraDevice: deviceId });
    if (this.#view.cameraOn) await this.setCamera(true);
  }

  devices(): Promise<DeviceLists> {
    return this.media.devices();
  }

  /** Current stats per participant (the tests read these; the UI shows the quality). */
  async samples(): Promise<Record<string, StatsSample>> {
    if (this.#sfu) return this.#sfu.samples();
    const out: Record<string, StatsSample> = {};
    await Promise.all([...this.#links].map(async ([u, l]) => (out[u] = await l.sample())));
    return out;
  }

  get #sendingAudio(): boolean {
    return this.#view.micOn && !this.#view.listenOnly && !this.#view.held && this.media.mic !== null;
  }

  async #applyAudio(): Promise<void> {
    const track = this.#sendingAudio ? this.media.mic : null;
    await Promise.all([...this.#links.values()].map((l) => l.setTrack('audio', track)));
    await this.#sfu?.send([track, this.#view.cameraOn ? this.media.camera : null]);
    this.#hello();
  }

  /** A classroom or a call larger than the mesh runs on the SFU; true when it does. */
  async #startSfu(): Promise<boolean> {
    const o = this.#o;
    if (o.conversation.type !== 'GROUP' || !o.inviteID) return false;
    try {
      const sfu = await SfuCall.open(o.chat, o.inviteID, o.userID, this.#iceServers);
      if (!sfu) return false;
      this.#sfu = sfu;
      sfu.onChange = () => this.#update({ peers: sfu.peers() });
      sfu.onLeft = (u) => this.onPeerGone?.(u, 'left');
      sfu.onEnded = () => this.onEvicted?.();
      this.#update({ phase: 'live', micDevice: this.media.micDevice, cameraDevice: this.media.cameraDevice, sfuRole: sfu.role, ...(sfu.role === 'student' ? { listenOnly: true } : {}) });
      await this.#applyAudio();
      return true;
    } catch (e) {
      o.log?.('sfu', e);
      this.#update({ phase: 'failed', error: 'serverUnreachable' });
      return true;
    }
  }

  #hello(): void {
    if (this.#view.phase !== 'live') return;
    this.#send({ type: 'hello', media: { audio: this.#sendingAudio, video: this.#videoTrack !== null } });
  }

  #send(body: RtcBody): void {
    const { chat, conversation, roomID, userID } = this.#o;
    const data = encodeRtc({ roomID, from: userID, sid: this.sid }, body);
    // A group call speaks in its group; a 1:1 call (and one of several made from it) person to person.
    const to = conversation.type === 'GROUP' ? [conversation.to] : 'to' in body ? [body.to] : this.#room.allowed.filter((u) => u !== userID);
    for (const peer of to) {
      const message = chat.createCustomMessage({ to: peer, conversationType: conversation.type, payload: { data } });
      void chat.sendMessage(message, { onlineUserOnly: true }).catch((e) => this.#o.log?.(`send ${body.type}`, e));
    }
  }

  #received(messages: readonly Message[]): void {
    const { type, to } = this.#o.conversation;
    for (const m of messages) {
      // Only the call's own conversation: a group call's peers speak in the group, where the
      // server relays members only (a removed member cannot reach us another way); a 1:1
      // call's (or one of several made from it) in each participant's C2C conversation.
      if (m.conversationID !== (type === 'GROUP' ? `GROUP${to}` : `C2C${m.from}`)) continue;
      const msg = decodeRtc(m.payload.data);
      // The server's `from` is the truth: nobody speaks for someone else.
      if (!msg || msg.from !== m.from) continue;
      if (msg.type === 'admit' && type === 'GROUP') continue; // a group call's participants come from the server
      this.#dispatch({ type: 'received', msg, now: Date.now() });
    }
  }

  /** Members left the call's group: they leave the room; if I am one of them, my call is over. */
  #membersRemoved({ groupID, userIDList }: { groupID: string; userIDList: string[] }): void {
    const { type, to } = this.#o.conversation;
    if (type !== 'GROUP' || groupID !== to) return;
    if (userIDList.includes(this.#o.userID)) {
      this.onEvicted?.();
      return;
    }
    this.#dispatch({ type: 'removed', userIDs: userIDList });
  }

  #dispatch(event: RoomEvent): void {
    const { room, effects } = transition(this.#room, event);
    const changed = room !== this.#room;
    this.#room = room;
    for (const effect of effects) this.#perform(effect);
    if (changed || effects.length) this.#refreshPeers();
  }

  #perform(effect: RoomEffect): void {
    switch (effect.type) {
      case 'connect': {
        const link = new PeerLink(
          {
            userID: effect.userID,
            sid: effect.sid,
            offerer: effect.offerer,
            iceServers: this.#iceServers,
            send: (body) => this.#send(body),
            onStream: () => this.#refreshPeers(),
            onState: (s) => {
              if (s === 'connected') this.#connected.add(effect.userID);
              this.#refreshPeers();
            },
            onFailed: () => this.#dispatch({ type: 'failed', userID: effect.userID }),
            ...(this.#o.log ? { log: this.#o.log } : {}),
          },
          { audio: this.#sendingAudio ? this.media.mic : null, video: this.#videoTrack },
        );
        this.#links.set(effect.userID, link);
        return;
      }
      case 'disconnect': {
        this.#links.get(effect.userID)?.close();
        this.#links.delete(effect.userID);
        this.#quality.delete(effect.userID);
        this.#connected.delete(effect.userID);
        if (effect.reason !== 'replaced') this.onPeerGone?.(effect.userID, effect.reason);
        return;
      }
      case 'deliver':
        this.#links.get(effect.userID)?.handle(effect.msg);
        return;
      case 'announce':
        this.#hello();
        return;
      case 'bye':
        this.#send({ type: 'bye' });
        return;
      case 'refused':
        if (!this.#view.refused.includes(effect.userID)) this.#update({ refused: [...this.#view.refused, effect.userID] });
        return;
      case 'ignored':
        if (!this.#view.ignored.includes(effect.userID)) this.#update({ ignored: [...this.#view.ignored, effect.userID] });
        return;
      case 'vouched':
        this.onVouched?.(effect.userIDs);
        return;
    }
  }

  async #sampleQuality(): Promise<void> {
    await Promise.all(
      [...this.#links].map(async ([u, l]) => {
        try {
          const cur = await l.sample();
          const prev = this.#quality.get(u)?.prev ?? null;
          this.#quality.set(u, { prev: cur, q: gradeQuality(prev, cur) });
        } catch (e) {
          this.#o.log?.('stats', e);
        }
      }),
    );
    this.#refreshPeers();
  }

  #refreshPeers(): void {
    const peers: PeerView[] = this.#room.participants.map((p) => {
      const link = this.#links.get(p.userID);
      return {
        userID: p.userID,
        media: p.media,
        connection: link?.state ?? 'new',
        restarting: link?.restarting ?? false,
        quality: this.#quality.get(p.userID)?.q ?? { level: 'unknown', rttMs: null, lossPct: null },
        stream: link?.stream ?? new MediaStream(),
        connected: this.#connected.has(p.userID),
      };
    });
    this.#update({ peers });
  }

  #update(patch: Partial<SessionView>): void {
    this.#view = { ...this.#view, ...patch };
    for (const l of this.#listeners) l(this.#view);
  }
}
