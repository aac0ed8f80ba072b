/**
 * A class (a group call its owner started as one; the seed's hand-raise scenario). The
 * teacher asks for raised hands (a "raiseHand" inviteInGroup; accepting it is raising a
 * hand), sees the queue of hands in the order they went up, lets one student speak (a
 * "speak" invitation), takes the floor back ("endSpeak"), lowers every hand
 * ("lowerHands") and ends the class for everyone (the hang-up sent to all). A student
 * raises and lowers a hand and always sees who has the floor. Every participant's worker
 * follows these invitations, so all windows show the same queue and speaker; students
 * without the floor are listen-only. A plain group call shows none of this.
 * docs/CALLS.md has the data format.
 */
import type { ActiveCall, CallEntry, Classroom } from '../../shared/schema.ts';
import { t } from '../../shared/i18n.ts';
import type { Run } from '../hooks.ts';
import { HandIcon } from '../components/icons.tsx';

/** In a class only the teacher and the student with the floor are heard. */
export function isSilenced(classroom: Classroom | null, userID: string): boolean {
  return classroom !== null && userID !== classroom.teacher && userID !== classroom.speaker;
}

/** Who has the floor, in words. */
function floorLine(c: Classroom, me: string): string {
  if (c.speaker === me) return t('youHaveTheFloor');
  if (c.speaker) return t('hasTheFloor', c.speaker);
  return c.teacher === me ? t('youTeach') : t('teacherHasFloor', c.teacher);
}

export function ClassroomPanel({ me, active, classroom: c, students, prompts, run }: { me: string; active: ActiveCall; classroom: Classroom; students: string[]; prompts: CallEntry[]; run: Run }) {
  const teacher = c.teacher === me;
  const handUp = c.hands.includes(me);
  const place = c.hands.indexOf(me) + 1;
  return (
    <section class="classroom" aria-labelledby="class-title" data-testid="classroom" data-speaker={c.speaker ?? ''} data-role={teacher ? 'teacher' : 'student'}>
      <h2 id="class-title" class="classroom-title">
        {t('classTitle')}
        <span class="sub">{t('classTeacher', c.teacher)}</span>
      </h2>
      <p class="floor" data-testid="speaker" aria-live="polite">
        {floorLine(c, me)}
      </p>
      {c.invitedSpeaker && <p class="sub">{t('floorOffered', c.invitedSpeaker)}</p>}
      {teacher ? (
        <div class="class-actions">
          <button type="button" disabled={students.length === 0} onClick={() => void run({ type: 'classroom/raiseHands', inviteeList: students })} data-testid="ask-hands">
            <HandIcon size={16} />
            {t('askForHands')}
          </button>
          {(c.speaker || c.invitedSpeaker) && (
            <button type="button" onClick={() => void run({ type: 'classroom/endSpeak' })} data-testid="end-speak">
              {t('takeFloorBack')}
            </button>
          )}
          {c.hands.length > 0 && (
            <button type="button" onClick={() => void run({ type: 'classroom/lowerHands' })} data-testid="lower-all">
              {t('lowerAllHands')}
            </button>
          )}
        </div>
      ) : (
        <div class="class-actions">
          {prompts.map((p) => (
            <p key={p.inviteID} class="notice prompt" data-testid={`prompt-${p.kind}`}>
              <span class="grow">{p.kind === 'speak' ? t('promptSpeak', p.inviter) : t('promptRaiseHand', p.inviter)}</span>
              <button type="button" class="accept" onClick={() => void run({ type: 'call/accept', inviteID: p.inviteID })}>
                {p.kind === 'speak' ? t('takeTheFloor') : t('raiseHand')}
              </button>
            </p>
          ))}
          {c.speaker === me ? (
            <button type="button" onClick={() => void run({ type: 'classroom/lowerHand' })} data-testid="lower-hand">
              {t('giveFloorBack')}
            </button>
          ) : handUp ? (
            <>
              <p class="sub" data-testid="hand-place">{t('yourHandIsUp', place)}</p>
              <button type="button" onClick={() => void run({ type: 'classroom/lowerHand' })} data-testid="lower-hand">
                {t('lowerHand')}
              </button>
            </>
          ) : (
            !prompts.some((p) => p.kind === 'raiseHand') && (
              <button type="button" class="primary" onClick={() => void run({ type: 'classroom/raiseHand' })} data-testid="raise-hand">
                <HandIcon size={16} />
                {t('raiseHand')}
              </button>
            )
          )}
        </div>
      )}
      <h3 class="sub">{t('raisedHands', c.hands.length)}</h3>
      {c.hands.length === 0 && <p class="sub">{t('noHands')}</p>}
      <ol class="list hands" data-testid="hands">
        {c.hands.map((u, i) => (
          <li key={u} data-user={u} class="row-item">
            <span class="place" aria-hidden="true">{i + 1}</span>
            <span class="grow">{u === me ? `${u} (${t('youTag')})` : u}</span>
            {teacher && (
              <button type="button" onClick={() => void run({ type: 'classroom/pick', userID: u })} data-testid="pick" aria-label={t('letSpeakNamed', u)}>
                {t('giveTheFloor')}
              </button>
            )}
          </li>
        ))}
      </ol>
      {teacher && (
        <button type="button" class="danger end-class" onClick={() => void run({ type: 'call/hangup', inviteID: active.inviteID })} data-testid="end-class">
          {t('endClassForAll')}
        </button>
      )}
    </section>
  );
}
