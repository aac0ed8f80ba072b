/**
 * What the call window shows of its media session (session.ts) and of each remote peer,
 * whether the peer is on the mesh (peer.ts) or on the SFU (sfu/sfu-call.ts).
 */
import type { MediaState } from '../../protocol/rtc-data.ts';
import type { SfuJoin } from '../../protocol/sfu.ts';
import type { LocalMedia } from './media.ts';
import type { Quality } from './stats.ts';

/** One remote participant as its tile shows it. */
export interface PeerView {
  userID: string;
  media: MediaState;
  connection: RTCPeerConnectionState;
  restarting: boolean;
  quality: Quality;
  stream: MediaStream;
  /** Ever connected: media has flowed at some point. */
  connected: boolean;
}

/** The call window's whole state: phase, my media switches, the peers. */
export interface SessionView extends Pick<LocalMedia, 'preview' | 'micDevice' | 'cameraDevice'> {
  phase: 'starting' | 'live' | 'failed' | 'left';
  /** What went wrong when phase is 'failed' (a message key of the UI). */
  error: 'mediaDenied' | 'serverUnreachable' | null;
  /** The user's mute switch (true = microphone on). */
  micOn: boolean;
  cameraOn: boolean;
  /** My screen is shared in place of the camera. */
  sharing: boolean;
  /** Classroom: a student without the floor sends no audio, whatever the mute switch says. */
  listenOnly: boolean;
  /** On hold (by either side, or held in the background): nothing is sent, nothing played. */
  held: boolean;
  peers: PeerView[];
  /** The role the SFU grant gave this window; null on the mesh. A student is listen-only until it has the floor. */
  sfuRole: SfuJoin['role'] | null;
  /** Participants refused because the room is full. */
  refused: string[];
  /** Senders dropped because they are not participants of the call (the room admits only those). */
  ignored: string[];
}
