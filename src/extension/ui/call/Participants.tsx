/**
 * Who is in a group call: everyone present, me first, each with the microphone state and a
 * role (teacher, has the floor); whoever has the floor is highlighted. People the server
 * admitted who have not shown up yet (or listen on the SFU without sending) are listed as
 * "joined".
 */
import type { PeerView } from '../../call/view.ts';
import type { Classroom } from '../../shared/schema.ts';
import { t } from '../../shared/i18n.ts';
import { Avatar } from '../components/Avatar.tsx';
import { MicIcon, MicOffIcon } from '../components/icons.tsx';
import { isSilenced } from './ClassroomPanel.tsx';

export interface Person {
  userID: string;
  /** Sends audio now (false: muted, or listen-only in a class). */
  mic: boolean;
  /** In the room (a peer or me), or only admitted by the server. */
  present: boolean;
}

/** Everyone to list: me, the peers in the room, then participants the server admitted who are not in it. */
export function people(me: string, myMic: boolean, peers: readonly PeerView[], admitted: readonly string[], classroom: Classroom | null): Person[] {
  const out: Person[] = [{ userID: me, mic: myMic, present: true }];
  for (const p of peers) if (p.userID !== me) out.push({ userID: p.userID, mic: p.media.audio && !isSilenced(classroom, p.userID), present: true });
  for (const u of admitted) if (!out.some((x) => x.userID === u)) out.push({ userID: u, mic: false, present: false });
  return out;
}

export function Participants({ list, me, classroom }: { list: Person[]; me: string; classroom: Classroom | null }) {
  return (
    <section class="participants" aria-labelledby="participants-title" data-testid="participants">
      <h2 id="participants-title">{t('participantsCount', list.length)}</h2>
      <ul class="list">
        {list.map((p) => {
          const speaker = classroom?.speaker === p.userID || (classroom !== null && !classroom.speaker && classroom.teacher === p.userID);
          return (
            <li key={p.userID} class={`row-item person${speaker ? ' speaking' : ''}`} data-user={p.userID} data-mic={String(p.mic)} data-present={String(p.present)} data-speaker={String(speaker)}>
              <Avatar name={p.userID} size={28} />
              <span class="grow">
                <span class="name">{p.userID === me ? `${p.userID} (${t('youTag')})` : p.userID}</span>
                <span class="sub block">
                  {[classroom?.teacher === p.userID ? t('teacher') : '', speaker ? t('speaking') : '', p.present ? '' : t('joinedNotHere')].filter(Boolean).join(' · ')}
                </span>
              </span>
              <span class={`mic-state${p.mic ? '' : ' off'}`} role="img" aria-label={p.mic ? t('micOnLabel') : t('peerMuted')} title={p.mic ? t('micOnLabel') : t('peerMuted')}>
                {p.mic ? <MicIcon size={16} /> : <MicOffIcon size={16} />}
              </span>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
