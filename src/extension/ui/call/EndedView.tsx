/** The call window after the call: why it ended and how long it lasted, once; Call back or Close. */
import type { ActiveCall, ViewState } from '../../shared/schema.ts';
import { t, type MessageKey } from '../../shared/i18n.ts';
import { MAX_PARTICIPANTS } from '../../call/room.ts';
import { formatDuration, useRequest } from '../hooks.ts';
import { Avatar } from '../components/Avatar.tsx';
import { CloseIcon, PhoneIcon, VideoIcon } from '../components/icons.tsx';

export function EndedView({ state, ended }: { state: ViewState; ended: { call: ActiveCall; endedAt: number } | null }) {
  const { run, error } = useRequest();
  const call = ended?.call;
  const name = call ? (call.groupName ?? call.peer) : '';
  const dialling = state.outgoing[0];
  // A class is called back by its teacher only, as a class again; a student has nothing to call back.
  const teacherOfClass = call?.mode === 'classroom' && !!call.groupOwner && call.groupOwner === state.userID;
  const canCallBack = !!call && (call.mode !== 'classroom' || teacherOfClass);
  const callBack = () => {
    if (!call) return;
    void (call.groupID
      ? run({ type: 'groups/members', groupID: call.groupID }).then((m) =>
          m && m.length > 0
            ? run({ type: 'call/dialGroup', groupID: call.groupID, inviteeList: m.slice(0, teacherOfClass ? 100 : MAX_PARTICIPANTS - 1), callType: call.callType, ...(teacherOfClass ? { classroom: true } : {}) })
            : undefined,
        )
      : run({ type: 'call/dial', userID: call.peer, callType: call.callType }));
  };
  return (
    <main data-testid="call-page" data-active="false" class="ended">
      {call && <Avatar name={name} size={88} />}
      <h1>{t('callEnded')}</h1>
      {call && <p class="name-line">{name}</p>}
      {state.notice && (
        <p class="sub" data-testid="call-ended-notice">
          {t(state.notice.key as MessageKey, ...state.notice.subs)}
        </p>
      )}
      {ended && (
        <p class="sub tabular" data-testid="call-ended-duration">
          {t('durationIs', formatDuration(state.lastEnded?.inviteID === ended.call.inviteID ? state.lastEnded.seconds : (ended.endedAt - ended.call.startedAt) / 1000))}
        </p>
      )}
      {dialling && (
        <p class="sub" role="status" data-testid="call-ended-dialling">
          {dialling.join?.kind === 'transfer'
            ? t('transferRinging', dialling.inviteeList[0] ?? '', dialling.join.by)
            : t('badgeDialling', dialling.groupName ?? dialling.inviteeList[0] ?? '')}
        </p>
      )}
      {error && <p class="error" role="alert">{error}</p>}
      <div class="row">
        {call && canCallBack && (
          <button type="button" class="accept" onClick={callBack} disabled={state.connection !== 'online' || dialling !== undefined} data-testid="call-back">
            {call.callType === 'video' ? <VideoIcon size={20} /> : <PhoneIcon size={20} />}
            {call.groupID ? t('callBack') : t('callBackName', call.peer)}
          </button>
        )}
        <button type="button" onClick={() => window.close()} autoFocus data-testid="call-close">
          <CloseIcon size={20} />
          {t('close')}
        </button>
      </div>
    </main>
  );
}
