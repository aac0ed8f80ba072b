/**
 * The popup: a ringing call dominates it; otherwise the call in progress or being dialled,
 * the dial field (with suggestions), the call log with call back, and groups. Every
 * control is a native button/input, so it works with the keyboard alone.
 */
import { HoldButton } from './HoldButton.tsx';
import { holdText } from '../call/HoldViews.tsx';
import { useEffect, useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import type { HistoryRecord, ViewState } from '../../shared/schema.ts';
import { t } from '../../shared/i18n.ts';
import { MAX_PARTICIPANTS } from '../../call/room.ts';
import { usePhone, useRequest, useTick, type Run } from '../hooks.ts';
import { announcement, Calls } from './Calls.tsx';
import { DialForm } from './DialForm.tsx';
import { GroupsEntry, GroupsScreen } from './groups/GroupsScreen.tsx';
import { GroupInvitations } from './GroupInvitations.tsx';
import { PeerActions } from './PeerActions.tsx';
import { useTrust } from '../trust/use-trust.ts';
import { History } from './History.tsx';
import { useLog } from './use-log.ts';
import { ActiveCallBar, DndBar, NoticeBar, StatusLine } from '../components/status.tsx';
import { Contacts } from './Contacts.tsx';
import { usePresence } from './use-presence.ts';
import { SlidersIcon } from '../components/icons.tsx';


export function Popup() {
  const state = usePhone();
  if (!state) return <main aria-busy="true">{t('loading')}</main>;
  return <PopupView state={state} />;
}

/** Calls back from the log: the same person (or group) with the same call type. */
export async function callBack(run: Run, r: HistoryRecord): Promise<unknown> {
  if (!r.groupID) return run({ type: 'call/dial', userID: r.peer, callType: r.callType });
  const members = (await run({ type: 'groups/members', groupID: r.groupID })) ?? [];
  if (members.length === 0) return undefined;
  return run({ type: 'call/dialGroup', groupID: r.groupID, inviteeList: members.slice(0, MAX_PARTICIPANTS - 1), callType: r.callType });
}

function PopupView({ state }: { state: ViewState }) {
  const { run, error } = useRequest();
  const now = useTick(state.outgoing.length > 0 || state.active !== null);
  const signedIn = state.connection !== 'signedOut' && state.connection !== 'expired';
  const online = state.connection === 'online';
  const ringing = state.incoming.find((c) => !c.kind);
  // A call starting or ending changes the log.
  const refreshKey = [state.active?.inviteID ?? '', ...state.incoming.map((c) => c.inviteID), ...state.outgoing.map((c) => c.inviteID)].join();
  const { records, contacts } = useLog(run, online, state.userID ?? '', refreshKey);
  const trust = useTrust(run, online, refreshKey);
  const presence = usePresence(online, trust.lists?.contacts ?? [], records, contacts, state.presence);
  const [groupsOpen, setGroupsOpen] = useState(false);
  useEffect(() => {
    if (state.missed > 0 && online) void run({ type: 'history/seen' });
  }, [state.missed, online]);
  useEffect(() => {
    document.title = ringing ? t('badgeCalling', ringing.inviter) : t('extName');
  }, [ringing?.inviteID]);

  return (
    <main data-testid="popup" class={`popup${ringing ? ' is-ringing' : ''}`}>
      {/* Always present, so that a call starting to ring is announced by screen readers. */}
      <div class="sr-only" aria-live="assertive" aria-atomic="true" data-testid="ring-announcer">
        {announcement(state.incoming[0])}
      </div>
      <header class="top">
        <span class="brand">
          <img src="/icon/32.png" alt="" width={20} height={20} />
          <h1>{t('extName')}</h1>
        </span>
        <StatusLine state={state} compact />
        <button type="button" class="icon-button" onClick={() => void browser.runtime.openOptionsPage()} data-testid="open-options" aria-label={t('options')} title={t('options')}>
          <SlidersIcon size={18} />
        </button>
      </header>
      {!signedIn && (
        <section class="card signin">
          <p>{state.connection === 'expired' ? t('sessionExpired') : t('signInPrompt')}</p>
          <button type="button" class="primary pill" onClick={() => void browser.runtime.openOptionsPage()}>
            {t('signIn')}
          </button>
        </section>
      )}
      <Calls state={state} now={now} run={run} />
      <NoticeBar notice={state.notice} onDismiss={() => void run({ type: 'notice/dismiss' })} />
      {error && (
        <p class="error" role="alert" data-testid="popup-error">
          {error}
        </p>
      )}
      {signedIn && state.settings.doNotDisturb && <DndBar onOff={() => void run({ type: 'settings/set', patch: { doNotDisturb: false } })} />}
      {state.active && (
        <ActiveCallBar
          active={state.active}
          now={now}
          onHangup={() => void run({ type: 'call/hangup' })}
          onMute={(muted) => void run({ type: 'call/mute', muted })}
          note={state.userID ? holdText(state.active, state.userID) : null}
          extra={state.userID ? <HoldButton active={state.active} me={state.userID} run={run} /> : undefined}
        />
      )}
      {signedIn && !ringing && groupsOpen && <GroupsScreen me={state.userID ?? ''} online={online} contacts={contacts} onBack={() => setGroupsOpen(false)} />}
      {signedIn && !ringing && !groupsOpen && (
        <>
          <DialForm run={run} disabled={!online} contacts={contacts} presence={presence} trust={trust} onDialled={() => undefined} />
          <GroupInvitations run={run} online={online} />
          <Contacts trust={trust} presence={presence} online={online} onCall={(userID) => void run({ type: 'call/dial', userID, callType: 'audio' })} />
          <History records={records} missed={state.missed} online={online} presence={presence} onCallBack={(r) => void callBack(run, r)} actions={(r) => !r.groupID && <PeerActions peer={r.peer} trust={trust} online={online} />} />
          <GroupsEntry onOpen={() => setGroupsOpen(true)} />
        </>
      )}
    </main>
  );
}
