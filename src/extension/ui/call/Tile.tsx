/** One participant's tile: video (or initials on their colour), mute state, connection and quality. */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { PeerView } from '../../call/view.ts';
import { t, type MessageKey } from '../../shared/i18n.ts';
import { Avatar } from '../components/Avatar.tsx';
import { MicOffIcon, ScreenIcon } from '../components/icons.tsx';

const CONNECTION: Record<RTCPeerConnectionState, MessageKey> = {
  new: 'connStateConnecting',
  connecting: 'connStateConnecting',
  connected: 'connStateConnected',
  disconnected: 'connStateReconnecting',
  failed: 'connStateFailed',
  closed: 'connStateFailed',
};

const QUALITY: Record<PeerView['quality']['level'], MessageKey> = {
  good: 'qualityGood',
  fair: 'qualityFair',
  poor: 'qualityPoor',
  unknown: 'qualityUnknown',
};

type SinkElement = HTMLMediaElement & { setSinkId?: (id: string) => Promise<void> };

/** A media element bound to a stream; plays it, on the chosen speaker. */
function useMedia(stream: MediaStream | null, sink: string) {
  const ref = useRef<HTMLVideoElement>(null);
  const [blocked, setBlocked] = useState(false);
  useEffect(() => {
    const el = ref.current;
    if (!el || !stream) return;
    if (el.srcObject !== stream) el.srcObject = stream;
    el.play().then(
      () => setBlocked(false),
      () => setBlocked(true), // autoplay refused: one click on the tile starts it
    );
  }, [stream, stream?.getTracks().length]);
  useEffect(() => {
    const el = ref.current as SinkElement | null;
    if (el && sink && el.setSinkId) void el.setSinkId(sink).catch(() => undefined);
  }, [sink]);
  return { ref, blocked, resume: () => void ref.current?.play().then(() => setBlocked(false), () => undefined) };
}

/**
 * A remote participant. The connection state shows while it is not connected; the link's
 * statistics (quality, round trip, loss) only with `details` on, never over the video by default.
 */
export function PeerTile({ peer, sink, silenced, role, big, details, hidden, onHold }: { peer: PeerView; sink: string; silenced: boolean; role?: string; big: boolean; details: boolean; hidden?: boolean; onHold?: boolean }) {
  const { ref, blocked, resume } = useMedia(peer.stream, sink);
  const state = peer.restarting ? 'connStateRestarting' : CONNECTION[peer.connection];
  const q = peer.quality;
  return (
    <figure
      class="tile"
      data-testid="peer-tile"
      data-user={peer.userID}
      data-connection={peer.connection}
      data-quality={q.level}
      data-mic={String(peer.media.audio)}
      data-silenced={String(silenced)}
      hidden={hidden}
      onClick={blocked ? resume : undefined}
    >
      <video ref={ref} autoPlay playsInline muted={silenced} class={peer.media.video ? '' : 'hidden'} />
      {!peer.media.video && <Avatar name={peer.userID} size={big ? 112 : 72} />}
      <figcaption>
        <span class="chip">
          <strong>{peer.userID}</strong>
          {role && <span> · {role}</span>}
        </span>
        {silenced && peer.media.audio && <span class="chip">{t('listenOnly')}</span>}
        {onHold && <span class="chip">{t('onHold')}</span>}
        {!peer.media.audio && !onHold && (
          <span class="chip muted-chip" title={t('peerMuted')}>
            <MicOffIcon size={14} />
            {t('peerMuted')}
          </span>
        )}
        {(details || peer.connection !== 'connected' || peer.restarting) && (
          <span class="chip">
            <span data-testid="peer-connection">{t(state)}</span>
            {details && (
              <span class={`quality ${q.level}`} title={t('qualityTitle', q.rttMs ?? '–', q.lossPct ?? '–')} data-testid="peer-quality">
                {' '}
                · {t(QUALITY[q.level])}
                {q.rttMs !== null && ` · ${q.rttMs} ms`}
                {q.lossPct !== null && ` · ${t('lossPct', q.lossPct)}`}
              </span>
            )}
          </span>
        )}
        {blocked && <button type="button" onClick={resume}>{t('playSound')}</button>}
      </figcaption>
    </figure>
  );
}

/** My own view, inset: the camera (mirrored) or the shared screen, my initials otherwise, and my muted state. */
export function SelfTile({ preview, screen, cameraOn, micOn, me, inset }: { preview: MediaStream; screen: MediaStreamTrack | null; cameraOn: boolean; micOn: boolean; me: string; inset: boolean }) {
  const ref = useRef<HTMLVideoElement>(null);
  const stream = useMemo(() => (screen ? new MediaStream([screen]) : preview), [screen, preview]);
  useEffect(() => {
    if (ref.current && ref.current.srcObject !== stream) ref.current.srcObject = stream;
    void ref.current?.play().catch(() => undefined);
  }, [preview, screen, cameraOn]);
  const showVideo = screen !== null || cameraOn;
  return (
    <figure class={`tile self${inset ? ' inset' : ''}`} data-testid="self-tile" data-mic={String(micOn)} data-sharing={String(screen !== null)}>
      <video ref={ref} autoPlay playsInline muted class={`${showVideo ? '' : 'hidden'} ${screen ? 'screen' : ''}`} />
      {!showVideo && <Avatar name={me} size={inset ? 48 : 72} />}
      <figcaption>
        <span class="chip">
          {screen && <ScreenIcon size={14} />}
          {screen ? t('youArePresenting') : t('you')}
        </span>
        {!micOn && (
          <span class="chip muted-chip" data-testid="self-muted">
            <MicOffIcon size={14} />
            {t('youAreMuted')}
          </span>
        )}
      </figcaption>
    </figure>
  );
}
