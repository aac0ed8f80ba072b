/**
 * The call window: opened as its own window when a call is accepted (by either side), so
 * the call outlives the popup. It fills the window like a meeting room: the others large,
 * my own view inset, name and timer together, and a centred bar of round controls (mute,
 * camera, screen share, devices, details, participants, hang up). A group call says who is
 * here ("Design team · 3 people"), lists the participants with their microphones, and
 * pages its grid past 9 tiles; a class adds the classroom panel. After the call it says
 * why it ended and how long it lasted, with Call back and Close. Media runs in
 * `CallSession` (src/extension/call).
 */
import { cloneElement, type VNode } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ActiveCall, ViewState } from '../../shared/schema.ts';
import { t } from '../../shared/i18n.ts';
import { Avatar } from '../components/Avatar.tsx';
import { ChevronIcon, ClassIcon, HangUpIcon, InfoIcon, MicIcon, MicOffIcon, PauseIcon, PhoneIcon, ScreenIcon, SlidersIcon, TransferIcon, UserPlusIcon, UsersIcon, VideoIcon, VideoOffIcon } from '../components/icons.tsx';
import { loadAccount } from '../../background/store.ts';
import { callsInProgress, isAdHoc, isOnHold, participantsOf } from '../../background/calls.ts';
import type { CallSession, RtcChat } from '../../call/session.ts';
import { CallSessions } from './call-sessions.ts';
import { HoldBanner, HeldCalls, HoldControl, WaitingToasts } from './HoldViews.tsx';
import type { SessionView } from '../../call/view.ts';
import { MAX_PARTICIPANTS } from '../../call/room.ts';
import type { DeviceLists } from '../../call/media.ts';
import { formatDuration, useCommand, usePhone, useRequest, useTick } from '../hooks.ts';
import { PeerTile, SelfTile } from './Tile.tsx';
import { ClassroomPanel, isSilenced } from './ClassroomPanel.tsx';
import { Participants, people } from './Participants.tsx';
import { onPage, PAGE_TILES, pages, stageOrder } from './stage.ts';
import './call-groups.css';
import { EndedView } from './EndedView.tsx';
import { TransferPanel, type PickerMode } from './TransferPanel.tsx';
import { useLog } from '../popup/use-log.ts';

export interface CallPageProps {
  createChat: (o: { server: string }) => RtcChat;
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
  const sessions = useCallSessions(props, state);
  useEffect(() => {
    document.title = active ? t('inCallWith', active.groupName ?? active.peer) : t('callEnded');
  }, [active?.inviteID, state?.settings.language]);
  if (!state) return <main aria-busy="true">{t('loading')}</main>;
  if (!active || !state.userID) return <EndedView state={state} ended={last.current} />;
  return <CallView key={active.inviteID} {...props} state={state} active={active} me={state.userID} session={sessions.get(active.inviteID)} />;
}

/**
 * One media session per call in progress (call-sessions.ts), kept across switches between
 * them: the current call's and those held in the background.
 */
function useCallSessions(props: CallPageProps, state: ViewState | null): CallSessions {
  const ref = useRef<CallSessions | null>(null);
  ref.current ??= new CallSessions(props.createChat);
  const sessions = ref.current;
  const [account, setAccount] = useState<{ server: string; userSig: string } | null>(null);
  const [, setVersion] = useState(0);
  useEffect(() => {
    void loadAccount().then((a) => a && setAccount({ server: a.server, userSig: a.userSig }));
    sessions.onChange = () => setVersion((v) => v + 1);
    const leave = () => sessions.leaveAll();
    window.addEventListener('pagehide', leave);
    Object.assign(globalThis, { __ringletCalls: sessions }); // read by the end-to-end tests
    return () => {
      window.removeEventListener('pagehide', leave);
      leave();
    };
  }, []);
  const calls = state ? callsInProgress(state) : [];
  const key = calls.map((c) => `${c.inviteID}:${participantsOf(c).join(',')}:${(c.holders ?? []).join(',')}`).join('|');
  useEffect(() => {
    if (!account || !state?.userID) return;
    sessions.sync(calls, state.active?.inviteID ?? null, state.userID, account);
    const current = state.active ? sessions.get(state.active.inviteID) : null;
    if (current) Object.assign(globalThis, { __ringletCall: current }); // read by the end-to-end tests
  }, [account, key, state?.active?.inviteID, state?.userID]);
  return sessions;
}

function useSessionView(session: CallSession | null): SessionView | null {
  const [view, setView] = useState<SessionView | null>(session?.view ?? null);
  useEffect(() => session?.subscribe(setView), [session]);
  return view;
}

function CallView({ state, active, me, session }: CallPageProps & { state: ViewState; active: ActiveCall; me: string; session: CallSession | null }) {
  const view = useSessionView(session);
  const now = useTick(true);
  const { run, busy, error } = useRequest();
  const [devices, setDevices] = useState<DeviceLists | null>(null);
  const [sink, setSink] = useState('');
  const group = active.groupID !== '';
  const several = isAdHoc(active);
  const classroom = group && state.classroom?.roomID === active.roomID ? state.classroom : null;
  const teacher = classroom?.teacher === me;

  const hangup = (reason?: 'peer_lost' | 'connection_failed' | 'teacher_left') =>
    void run({ type: 'call/hangup', inviteID: active.inviteID, ...(reason ? { reason } : {}) });
  // Mute goes through the worker (ActiveCall.muted), so the popup's mute and this window's agree;
  // this window holds the microphone and applies it. The shortcut (global in Chrome) acts like the button.
  const setMuted = (muted: boolean) => void run({ type: 'call/mute', muted });
  useCommand('toggle-mute', () => view && !view.listenOnly && setMuted(view.micOn));
  const wantMuted = active.muted ?? false;
  useEffect(() => {
    if (!session || !view || view.listenOnly) return;
    if (view.micOn === wantMuted) void session.setMic(!wantMuted);
  }, [session, wantMuted, view?.micOn, view?.listenOnly]);

  // My user left the call's group (removed, or it was dismissed), or the SFU no longer
  // admits this window: the call is over here.
  useEffect(() => {
    if (!session) return;
    const evicted = () => hangup();
    session.onEvicted = evicted;
    return () => {
      if (session.onEvicted === evicted) session.onEvicted = null;
    };
  }, [session]);

  // A 1:1 call ends when the peer leaves: bye (its own hang-up normally reaches us first),
  // silence for a few seconds (window closed, browser killed, network lost), or ICE failure.
  // A call of several made from a 1:1 call ends so only when nobody else is left in the room.
  useEffect(() => {
    if (!session || group) return;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const gone = (u: string, reason: string) => {
      if (session.view.peers.some((p) => p.userID !== u)) return;
      if (reason === 'bye') timer = setTimeout(() => session.view.peers.length === 0 && hangup(), BYE_GRACE_MS);
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

  // Someone another participant added joined the room: my worker keeps them as participants.
  useEffect(() => {
    if (!session || group) return;
    const vouched = (userIDList: string[]) => void run({ type: 'call/joined', userIDList });
    session.onVouched = vouched;
    return () => {
      if (session.onVouched === vouched) session.onVouched = null;
    };
  }, [session]);

  // A class on the SFU: the speaker's participant left the room (window closed, browser
  // gone). The server gave the floor back to the teacher; the teacher's window tells
  // everyone with "endSpeak" (docs/CALLS.md). The teacher gone from a student's window
  // (browser killed: no hang-up came) ends the class there, after the grace a hang-up
  // normally arrives in.
  const speakerGone = useRef<string | null>(null);
  speakerGone.current = teacher ? (classroom?.speaker ?? null) : null;
  const teacherGone = useRef<string | null>(null);
  teacherGone.current = classroom && !teacher ? classroom.teacher : null;
  useEffect(() => {
    if (!session || !group) return;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const off = attachPeerGone(session, (u, reason) => {
      if (reason === 'left' && u === speakerGone.current) void run({ type: 'classroom/endSpeak' });
      if (u === teacherGone.current && reason !== 'replaced' && !timer) timer = setTimeout(() => hangup('teacher_left'), BYE_GRACE_MS);
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, [session, group]);

  // A class: a student without the floor is listen-only.
  // On the SFU a student is listen-only from the start, until the floor is theirs.
  const listenOnly = !teacher && (classroom !== null || view?.sfuRole === 'student') && classroom?.speaker !== me;
  useEffect(() => void session?.setListenOnly(listenOnly), [session, listenOnly]);

  useEffect(() => {
    if (view?.phase === 'live') void session?.devices().then(setDevices, () => undefined);
  }, [view?.phase, view?.cameraOn]);

  const prompts = state.incoming.filter((c) => c.kind && c.groupID === active.groupID);
  const peers = stageOrder(view?.peers ?? [], [classroom?.teacher ?? null, classroom?.speaker ?? null]);
  const others = participantsOf(active).filter((u) => u !== me);
  const name = active.groupName ?? (several ? others.join(', ') : active.peer);
  const [picker, setPicker] = useState<PickerMode | null>(null);
  const { contacts } = useLog(run, picker !== null && state.connection === 'online', me, picker ?? '');
  // Someone I am adding (addToCall), still ringing.
  const adding = state.outgoing.filter((c) => c.join?.kind === 'add');
  const inset = !group && peers.length <= 1;
  const [showDevices, setShowDevices] = useState(false);
  const [details, setDetails] = useState(false);
  const [showPeople, setShowPeople] = useState(false);
  const [wantedPage, setPage] = useState(0);
  // Who is here: me and the peers in the room; on the SFU (where listeners send nothing) also those the server admitted.
  const list = people(me, !!view && view.micOn && !view.listenOnly, peers, view?.sfuRole ? participantsOf(active) : [], classroom);
  const here = list.length;
  const tiles = inset ? Math.max(1, peers.length) : peers.length + 1;
  const { pages: pageCount, page } = pages(tiles, wantedPage);
  const side = group && (classroom !== null || showPeople);
  const share = async () => {
    if (!session || !view) return;
    if (view.sharing) return void session.shareScreen(null);
    try {
      const stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
      await session.shareScreen(stream.getVideoTracks()[0] ?? null);
    } catch {
      /* the person chose nothing: keep the camera */
    }
  };
  return (
    <main data-testid="call-page" data-active="true" data-phase={view?.phase ?? 'starting'} class="call">
      <header class="call-top">
        <Avatar name={name} size={36} group={group} />
        <div class="grow">
          <h1>
            <span data-testid="call-peer">{name}</span>
            {(group || several) && (
              <span class="here" data-testid="call-here">
                {' · '}
                {t('peopleHere', here)}
              </span>
            )}{' '}
            <span class="timer" data-testid="call-duration" aria-label={t('duration')}>
              {formatDuration((now - active.startedAt) / 1000)}
            </span>
          </h1>
          <span class="kind">
            {classroom ? <ClassIcon size={14} /> : active.callType === 'video' ? <VideoIcon size={14} /> : <PhoneIcon size={14} />}
            {classroom ? `${t('classTitle')} · ` : ''}
            {active.callType === 'video' ? t('videoCall') : t('audioCall')}
          </span>
        </div>
      </header>
      <div class={`stage-wrap${side ? ' with-side' : ''}`}>
        {view?.phase === 'failed' && (
          <p class="error banner" role="alert">
            {view.error === 'serverUnreachable' ? t('errorUnreachable', state.server) : t('micDenied')}
          </p>
        )}
        {error && <p class="error banner" role="alert">{error}</p>}
        <HoldBanner active={active} me={me} run={run} busy={busy} />
        <HeldCalls held={state.held ?? []} run={run} busy={busy} />
        {view && view.refused.length > 0 && <p class="sub banner">{t('roomFull', MAX_PARTICIPANTS, view.refused.join(', '))}</p>}
        {adding.map((c) => (
          <p key={c.inviteID} class="sub banner" role="status" data-testid="call-adding">
            {t('addingRinging', c.inviteeList[0] ?? '')}
          </p>
        ))}
        {state.notice && (state.notice.key === 'noticeJoinedCall' || state.notice.key === 'noticeLeftCall' || state.notice.key === 'noticeRejected' || state.notice.key === 'noticeNoAnswer' || state.notice.key === 'noticeBusy') && (
          <p class="sub banner" role="status" data-testid="call-notice">
            {t(state.notice.key, ...state.notice.subs)}
          </p>
        )}
        {/* 1:1, the other person fills the stage and I am inset; in a group I am one tile among them. */}
        <section class="stage" aria-label={t('participants')} data-testid="tiles" data-count={Math.min(tiles - page * PAGE_TILES, PAGE_TILES)} data-pages={pageCount}>
          {peers.map((p, i) => (
            <PeerTile
              key={p.userID}
              peer={p}
              sink={sink}
              big={peers.length === 1}
              details={details}
              hidden={!onPage(i, page)}
              silenced={isSilenced(classroom, p.userID)}
              onHold={isOnHold(active)}
              {...(classroom?.teacher === p.userID ? { role: t('teacher') } : classroom?.speaker === p.userID ? { role: t('speaking') } : {})}
            />
          ))}
          {peers.length === 0 && (
            <p class="waiting" data-testid={view?.phase === 'live' ? 'waiting' : undefined}>
              {view?.phase === 'live' ? t('waitingForOthers') : t('connStateConnecting')}
            </p>
          )}
          {view && (inset || onPage(peers.length, page)) && <SelfTile inset={inset} preview={view.preview} screen={view.sharing ? (session?.screen ?? null) : null} cameraOn={view.cameraOn} micOn={view.micOn && !view.listenOnly} me={me} />}
        </section>
        {pageCount > 1 && (
          <nav class="pager" aria-label={t('tilePages')} data-testid="pager">
            <button type="button" class="icon-button prev" disabled={page === 0} onClick={() => setPage(page - 1)} aria-label={t('previousPage')} title={t('previousPage')}>
              <ChevronIcon size={18} />
            </button>
            <span data-testid="page-of">{t('pageOf', page + 1, pageCount)}</span>
            <button type="button" class="icon-button next" disabled={page === pageCount - 1} onClick={() => setPage(page + 1)} aria-label={t('nextPage')} title={t('nextPage')} data-testid="next-page">
              <ChevronIcon size={18} />
            </button>
          </nav>
        )}
        {side && (
          <aside class="side">
            {classroom && <ClassroomPanel me={me} active={active} classroom={classroom} students={participantsOf(active).filter((u) => u !== classroom.teacher)} prompts={prompts} run={run} />}
            {showPeople && <Participants list={list} me={me} classroom={classroom} />}
          </aside>
        )}
      </div>
      <section class="controls" aria-label={t('callControls')}>
        <Control label={view?.listenOnly ? t('listenOnly') : t('mute')}>
          <button
            type="button"
            aria-pressed={view ? !view.micOn || view.listenOnly : false}
            disabled={!view || view.listenOnly}
            onClick={() => view && setMuted(view.micOn)}
            data-testid="call-mute"
          >
            {view && (!view.micOn || view.listenOnly) ? <MicOffIcon size={22} /> : <MicIcon size={22} />}
          </button>
        </Control>
        <HoldControl active={active} me={me} run={run} busy={busy} wrap={(b) => <Control label={t('hold')}>{cloneElement(b, {}, <PauseIcon size={22} />)}</Control>} />
        <Control label={t('stopVideo')}>
          <button type="button" aria-pressed={view ? !view.cameraOn : false} disabled={!view} onClick={() => view && void session?.setCamera(!view.cameraOn)} data-testid="call-camera">
            {view?.cameraOn ? <VideoIcon size={22} /> : <VideoOffIcon size={22} />}
          </button>
        </Control>
        <Control label={t('shareScreen')}>
          <button type="button" class="neutral-pressed" aria-pressed={view?.sharing ?? false} disabled={!view || view.phase !== 'live'} onClick={() => void share()} data-testid="call-share">
            <ScreenIcon size={22} />
          </button>
        </Control>
        <Control label={t('devices')}>
          <button type="button" aria-expanded={showDevices} aria-controls="devices-panel" disabled={!devices} onClick={() => setShowDevices((v) => !v)} data-testid="call-devices">
            <SlidersIcon size={22} />
          </button>
        </Control>
        <Control label={t('details')}>
          <button type="button" class="neutral-pressed" aria-pressed={details} onClick={() => setDetails(!details)} data-testid="call-details">
            <InfoIcon size={22} />
          </button>
        </Control>
        {!group && !several && (
          <Control label={t('transfer')}>
            <button type="button" aria-expanded={picker === 'transfer'} aria-controls={picker ? 'picker' : undefined} disabled={!view || view.phase !== 'live' || state.connection !== 'online'} onClick={() => setPicker(picker === 'transfer' ? null : 'transfer')} data-testid="call-transfer">
              <TransferIcon size={22} />
            </button>
          </Control>
        )}
        {!group && (
          <Control label={t('addSomeone')}>
            <button type="button" aria-expanded={picker === 'add'} aria-controls={picker ? 'picker' : undefined} disabled={!view || view.phase !== 'live' || state.connection !== 'online' || others.length + 1 >= MAX_PARTICIPANTS} onClick={() => setPicker(picker === 'add' ? null : 'add')} data-testid="call-add">
              <UserPlusIcon size={22} />
            </button>
          </Control>
        )}
        {group && (
          <Control label={t('participants')}>
            <button type="button" class="neutral-pressed" aria-pressed={showPeople} onClick={() => setShowPeople(!showPeople)} data-testid="call-people">
              <UsersIcon size={22} />
            </button>
          </Control>
        )}
        <Control label={teacher ? t('endClass') : t('hangUp')} cls="hangup">
          <button type="button" disabled={busy} onClick={() => hangup()} data-testid="call-hangup">
            <HangUpIcon size={24} />
          </button>
        </Control>
        {picker && (
          <div id="picker">
            <TransferPanel mode={picker} peer={active.peer} run={run} busy={busy} contacts={contacts} onClose={() => setPicker(null)} />
          </div>
        )}
        {devices && view && (
          <div id="devices-panel" class="devices-panel" role="group" aria-label={t('devices')} hidden={!showDevices}>
            <DeviceSelect label={t('microphone')} list={devices.microphones} value={view.micDevice} onChange={(id) => void session?.selectMic(id)} testid="select-mic" />
            <DeviceSelect label={t('camera')} list={devices.cameras} value={view.cameraDevice} onChange={(id) => void session?.selectCamera(id)} testid="select-camera" />
            <DeviceSelect label={t('speaker')} list={devices.speakers} value={sink} onChange={setSink} testid="select-speaker" />
          </div>
        )}
      </section>
      <WaitingToasts incoming={state.incoming} active={active} run={run} busy={busy} />
    </main>
  );
}

/**
 * One round control with its name under it. The name is also the button's accessible
 * name and tooltip, and never changes: state is `aria-pressed` (WAI-ARIA toggle button).
 */
function Control({ label, cls, children }: { label: string; cls?: string; children: VNode<{ 'aria-label'?: string; title?: string }> }) {
  return (
    <div class={`ctl ${cls ?? ''}`}>
      {cloneElement(children, { 'aria-label': label, title: label })}
      <span aria-hidden="true">{label}</span>
    </div>
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

