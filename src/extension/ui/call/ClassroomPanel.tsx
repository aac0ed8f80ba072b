/**
 * Classroom mode on a group call (the seed's hand-raise scenario). The group's owner is
 * the teacher: asks the students to raise hands (a "raiseHand" inviteInGroup; accepting
 * it is raising a hand), sees the hands come up live, and gives one student the floor
 * (a "speak" invitation), and takes it back ("endSpeak"); a student lowers a raised hand
 * or gives the floor back ("lowerHand"). Every participant's worker follows these
 * invitations, so all see the same list and speaker; students without the floor are
 * listen-only. docs/CALLS.md has the data format.
 */
import type { ActiveCall, CallEntry, Classroom } from '../../shared/schema.ts';
import { t } from '../../shared/i18n.ts';
import type { Run } from '../hooks.ts';


export function isTeacher(active: ActiveCall, classroom: Classroom | null, me: string): boolean {
  return active.groupID !== '' && (classroom ? classroom.teacher === me : active.groupOwner === me);
}

/** In classroom mode only the teacher and the student with the floor are heard. */
export function isSilenced(classroom: Classroom | null, userID: string): boolean {
  return classroom !== null && userID !== classroom.teacher && userID !== classroom.speaker;
}

export function ClassroomPanel(props: {
  me: string;
  active: ActiveCall;
  classroom: Classroom | null;
  teacher: boolean;
  participants: string[];
  prompts: CallEntry[];
  run: Run;
}) {
  const { me, classroom, teacher, participants, prompts, run } = props;
  if (!classroom && !teacher) return null;
  const hands = classroom?.hands ?? [];
  return (
    <section class="classroom" aria-label={t('classroom')} data-testid="classroom" data-speaker={classroom?.speaker ?? ''}>
      <h2 class="classroom-title">{t('classroom')}</h2>
      {teacher && (
        <button
          type="button"
          disabled={participants.length === 0}
          onClick={() => void run({ type: 'classroom/raiseHands', inviteeList: participants })}
          data-testid="ask-hands"
        >
          {t('askForHands')}
        </button>
      )}
      {classroom?.speaker && (
        <p data-testid="speaker">{classroom.speaker === me ? t('youHaveTheFloor') : t('hasTheFloor', classroom.speaker)}</p>
      )}
      {teacher && (classroom?.speaker || classroom?.invitedSpeaker) && (
        <button type="button" onClick={() => void run({ type: 'classroom/endSpeak' })} data-testid="end-speak">
          {t('takeFloorBack')}
        </button>
      )}
      {!teacher && classroom && (classroom.speaker === me || classroom.hands.includes(me)) && (
        <button type="button" onClick={() => void run({ type: 'classroom/lowerHand' })} data-testid="lower-hand">
          {t('lowerHand')}
        </button>
      )}
      {classroom?.invitedSpeaker && <p class="sub">{t('floorOffered', classroom.invitedSpeaker)}</p>}
      {prompts.map((p) => (
        <p key={p.inviteID} class="notice" data-testid={`prompt-${p.kind}`}>
          <span class="grow">{p.kind === 'speak' ? t('promptSpeak', p.inviter) : t('promptRaiseHand', p.inviter)}</span>
          <button type="button" class="primary" onClick={() => void run({ type: 'call/accept', inviteID: p.inviteID })}>
            {p.kind === 'speak' ? t('takeTheFloor') : t('raiseHand')}
          </button>
        </p>
      ))}
      {classroom?.handsInviteID && (
        <>
          <h3 class="sub">{t('raisedHands', hands.length)}</h3>
          <ul class="list" data-testid="hands">
            {hands.map((u) => (
              <li key={u} data-user={u} class="row-item">
                <span class="grow">{u}</span>
                {teacher && (
                  <button type="button" onClick={() => void run({ type: 'classroom/pick', userID: u })} data-testid="pick">
                    {t('giveTheFloor')}
                  </button>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
