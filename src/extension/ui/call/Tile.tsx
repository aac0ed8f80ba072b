/** One participant's tile: video (or a name card), mute state, connection and quality. */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { PeerView } from '../../call/session.ts';
import { t, type MessageKey } from '../../shared/i18n.ts';

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

export function PeerTile({ peer, sink, silenced, role }: { peer: PeerView; sink: string; silenced: boolean; role?: string }) {
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
      onClick={blocked ? resume : undefined}
    >
      <video ref={ref} autoPlay playsInline muted={silenced} class={peer.media.video ? '' : 'hidden'} />
      {!peer.media.video && <div class="avatar" aria-hidden="true">{peer.userID.slice(0, 1).toUpperCase()}</div>}
      <figcaption>
        <strong>{peer.userID}</strong>
        {role && <span class="sub"> · {role}</span>}
        {!peer.media.audio && <span class="sub"> · {t('peerMuted')}</span>}
        <br />
        <span class="sub" data-testid="peer-connection">{t(state)}</span>
        <span class={`quality ${q.level}`} title={t('qualityTitle', q.rttMs ?? '–', q.lossPct ?? '–')} data-testid="peer-quality">
          {' '}
          · {t(QUALITY[q.level])}
          {q.rttMs !== null && ` · ${q.rttMs} ms`}
          {q.lossPct !== null && ` · ${t('lossPct', q.lossPct)}`}
        </span>
        {blocked && <button type="button" onClick={resume}>{t('playSound')}</button>}
      </figcaption>
    </figure>
  );
}

export function SelfTile({ preview, cameraOn, me }: { preview: MediaStream; cameraOn: boolean; me: string }) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    if (ref.current && ref.current.srcObject !== preview) ref.current.srcObject = preview;
    void ref.current?.play().catch(() => undefined);
  }, [preview, cameraOn]);
  return (
    <figure class="tile self" data-testid="self-tile">
      <video ref={ref} autoPlay playsInline muted class={cameraOn ? '' : 'hidden'} />
      {!cameraOn && <div class="avatar" aria-hidden="true">{me.slice(0, 1).toUpperCase()}</div>}
      <figcaption>
        <strong>{t('you')}</strong>
      </figcaption>
    </figure>
  );
}
