/**
 * The call window: opened as its own window when a call is accepted (by either side), so
 * the call outlives the popup. It shows the participants, a running timer, mute, camera
 * on/off (switching audio ↔ video), device selection, connection state and quality, and
 * hang-up; on group calls, classroom mode. Media runs in `CallSession` (src/extension/call).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ActiveCall, ViewState } from '../../shared/schema.ts';
import { t } from '../../shared/i18n.ts';
import { loadAccount } from '../../background/store.ts';
import { CallSession, type RtcChat, type SessionView } from '../../call/session.ts';
import type { SfuChat } from '../../call/sfu/sfu-call.ts';
import { MAX_PARTICIPANTS } from '../../call/room.ts';
import type { DeviceLists } from '../../call/media.ts';
import { formatDuration, usePhone, useRequest, useTick } from '../hooks.ts';
import { PeerTile, SelfTile } from './Tile.tsx';
import { ClassroomPanel, isSilenced, isTeacher } from './ClassroomPanel.tsx';

export interface CallPageProps {
  createChat: (o: { server: string }) => RtcChat;
  messageEvent: string;
}

/** A 1:1 call whose peer never shows up in the room is given up after this long. */
export const JOIN_TIMEOUT_MS = 20_000;
/** After the peer's `bye`, its end-of-call invitation normally ends the call; if not, we do. */
export const BYE_GRACE_MS = 3000;

export function CallPage(props: CallPageProps) {
  const state = usePhone();
  const last = useRef<{ call: ActiveCall; endedAt: number } | null>(null);
  const active = state?.active ?? null;
  if (active) last.current = { call: active, endedAt: 0 };
  else if (last.current && !last.current.endedAt) last.current = { ...last.current, endedAt: Date.now() };
  useEffect(() => {
    document.title = active ? t('inCallWith', active.groupName ?? active.peer) : t('callEnded');
  }, [active?.inviteID, state?.settings.language]);
  if (!state) return <main aria-busy="true">{t('loading')}</main>;
  if (!active || !state.userID) {
    const ended = last.current;
    return (
      <main data-testid="call-page" data-active="false">
        <h1>{t('callEnded')}</h1>
        {ended && (
          <p data-testid="call-ended-duration">
            {t('callEndedAfter', formatDuration((ended.endedAt - ended.call.startedAt) / 1000))}
          </p>
        )}
        {state.notice && <p class="sub" data-testid="call-ended-notice">{t(state.notice.key as never, ...state.notice.subs)}</p>}
        <button type="button" onClick={() => window.close()} autoFocus>
          {t('close')}
        </button>
      </main>
    );
  }
  return <CallView key={active.inviteID} {...props} state={state} active={active} me={state.userID} />;
}

function useCallSession(props: CallPageProps, active: ActiveCall, me: string): CallSession | null {
  const [session, setSession] = useState<CallSession | null>(null);
  useEffect(() => {
    let s: CallSession | null = null;
    let cancelled = false;
    const leave = () => void s?.leave();
    void loadAccount().then((account) => {
      if (cancelled || !account) return;
      const chat = props.createChat({ server: account.server });
      s = new CallSession({
        chat,
        inviteID: active.inviteID,
        ...('getSfuJoin' in chat ? { sfuChat: chat as unknown as SfuChat } : {}),
        messageEvent: props.messageEvent,
        userID: me,
        userSig: account.userSig,
        roomID: active.roomID,
        conversation: active.groupID ? { type: 'GROUP', to: active.groupID } : { type: 'C2C', to: active.peer },
        callType: active.callType,
        log: (what, e) => console.warn(`[ringlet call] ${what}:`, e),
      });
      Object.assign(globalThis, { __ringletCall: s }); // read by the end-to-end tests
      setSession(s);
      void s.start();
    });
    window.addEventListener('pagehide', leave);
    return () => {
      cancelled = true;
      window.removeEventListener('pagehide', leave);
      leave();
    };
  }, [active.inviteID]);
  return session;
}

function useSessionView(session: CallSession | null): SessionView | null {
  const [view, setView] = useState<SessionView | null>(session?.view ?? null);
  useEffect(() => session?.subscribe(setView), [session]);
  return view;
}

function CallView({ state, active, me, ...props }: CallPageProps & { state: ViewState; active: ActiveCall; me: string }) {
  const session = useCallSession(props, active, me);
  const view = useSessionView(session);
  const now = useTick(true);
  const { run, busy, error } = useRequest();
  const [devices, setDevices] = useState<DeviceLists | null>(null);
  const [sink, setSink] = useState('');
  const group = active.groupID !== '';
  const classroom = state.classroom?.roomID === active.roomID ? state.classroom : null;
  const teacher = isTeacher(active, classroom, me);

  const hangup = (reason?: 'peer_lost' | 'connection_failed') =>
    void run({ type: 'call/hangup', inviteID: active.inviteID, ...(reason ? { reason } : {}) });

  // A 1:1 call ends when the peer leaves: bye (its own hang-up normally reaches us first),
  // silence for a few seconds (window closed, browser killed, network lost), or ICE failure.
  useEffect(() => {
    if (!session || group) return;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const gone = (_u: string, reason: string) => {
      if (reason === 'bye') timer = setTimeout(() => hangup(), BYE_GRACE_MS);
      else hangup(reason === 'failed' ? 'connection_failed' : 'peer_lost');
    };
    const off = attachPeerGone(session, gone);
    const join = setTimeout(() => {
      if (session.view.peers.length === 0) hangup('peer_lost');
    }, JOIN_TIMEOUT_MS);
    return () => {
      off();
      clearTimeout(join);
      if (timer) clearTimeout(timer);
    };
  }, [session]);

  // Classroom: a student without the floor is listen-only.
  // On the SFU a student is listen-only from the start, until the floor is theirs.
  const listenOnly = !teacher && (classroom !== null || view?.sfuRole === 'student') && classroom?.speaker !== me;
  useEffect(() => void session?.setListenOnly(listenOnly), [session, listenOnly]);

  useEffect(() => {
    if (view?.phase === 'live') void session?.devices().then(setDevices, () => undefined);
  }, [view?.phase, view?.cameraOn]);

  const prompts = state.incoming.filter((c) => c.kind && c.groupID === active.groupID);
  const peers = view?.peers ?? [];
  return (
    <main data-testid="call-page" data-active="true" data-phase={view?.phase ?? 'starting'} class="call">
      <header>
        <div>
          <p class="sub">
            {active.callType === 'video' ? t('videoCall') : t('audioCall')}
            {group && ` · ${t('groupLimit', MAX_PARTICIPANTS)}`}
          </p>
          <h1 data-testid="call-peer">{active.groupName ?? active.peer}</h1>
        </div>
        <p data-testid="call-duration" aria-label={t('duration')}>
          {formatDuration((now - active.startedAt) / 1000)}
        </p>
      </header>
      {view?.phase === 'failed' && (
        <p class="error" role="alert">
          {view.error === 'serverUnreachable' ? t('errorUnreachable', state.server) : t('micDenied')}
        </p>
      )}
      {error && <p class="error" role="alert">{error}</p>}
      {view && view.refused.length > 0 && <p class="sub">{t('roomFull', MAX_PARTICIPANTS, view.refused.join(', '))}</p>}
      <section class="tiles" aria-label={t('participants')} data-testid="tiles" data-count={peers.length}>
        {view && <SelfTile preview={view.preview} cameraOn={view.cameraOn} me={me} />}
        {peers.map((p) => (
          <PeerTile
            key={p.userID}
            peer={p}
            sink={sink}
            silenced={isSilenced(classroom, p.userID)}
            {...(classroom?.teacher === p.userID ? { role: t('teacher') } : classroom?.speaker === p.userID ? { role: t('speaking') } : {})}
          />
        ))}
        {view?.phase === 'live' && peers.length === 0 && <p class="sub" data-testid="waiting">{t('waitingForOthers')}</p>}
      </section>
      {group && (
        <ClassroomPanel
          me={me}
          active={active}
          classroom={classroom}
          teacher={teacher}
          participants={peers.map((p) => p.userID)}
          prompts={prompts}
          run={run}
        />
      )}
      <section class="controls" aria-label={t('callControls')}>
        <button
          type="button"
          aria-pressed={view ? !view.micOn : false}
          disabled={!view || view.listenOnly}
          onClick={() => view && void session?.setMic(!view.micOn)}
          data-testid="call-mute"
        >
          {view?.listenOnly ? t('listenOnly') : view?.micOn === false ? t('unmute') : t('mute')}
        </button>
        <button type="button" aria-pressed={view?.cameraOn ?? false} disabled={!view} onClick={() => view && void session?.setCamera(!view.cameraOn)} data-testid="call-camera">
          {view?.cameraOn ? t('cameraOff') : t('cameraOn')}
        </button>
        <button type="button" class="danger" disabled={busy} onClick={() => hangup()} data-testid="call-hangup">
          {t('hangUp')}
        </button>
      </section>
      {devices && view && (
        <details class="devices">
          <summary>{t('devices')}</summary>
          <DeviceSelect label={t('microphone')} list={devices.microphones} value={view.micDevice} onChange={(id) => void session?.selectMic(id)} testid="select-mic" />
          <DeviceSelect label={t('camera')} list={devices.cameras} value={view.cameraDevice} onChange={(id) => void session?.selectCamera(id)} testid="select-camera" />
          <DeviceSelect label={t('speaker')} list={devices.speakers} value={sink} onChange={setSink} testid="select-speaker" />
        </details>
      )}
    </main>
  );
}

/** Subscribes to the session's "participant left" callback; returns the unsubscribe. */
function attachPeerGone(session: CallSession, fn: (userID: string, reason: string) => void): () => void {
  session.onPeerGone = fn;
  return () => {
    if (session.onPeerGone === fn) session.onPeerGone = null;
  };
}

function DeviceSelect({ label, list, value, onChange, testid }: { label: string; list: MediaDeviceInfo[]; value: string; onChange: (id: string) => void; testid: string }) {
  if (list.length === 0) return null;
  return (
    <label class="field">
      {label}
      <select value={value} onChange={(e) => onChange((e.target as HTMLSelectElement).value)} data-testid={testid}>
        {list.map((d, i) => (
          <option key={d.deviceId || i} value={d.deviceId}>
            {d.label || `${label} ${i + 1}`}
          </option>
        ))}
      </select>
    </label>
  );
}

