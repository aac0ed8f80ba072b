/**
 * The call log: who, audio or video, direction, when (today / yesterday / date) and how
 * it went (duration, or missed with an icon and the word); a call-back button on every
 * row; the newest LOG_PAGE rows with "Show more". The records come from the popup.
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { HistoryRecord } from '../../shared/schema.ts';
import { getLanguage, t } from '../../shared/i18n.ts';
import { formatDuration } from '../hooks.ts';
import { calendarDate, clockTime, dayOf, filterLog, isMissed, LOG_PAGE, logName, outcomeKey, page } from '../log/call-log.ts';
import { IncomingIcon, MissedIcon, OutgoingIcon, PhoneIcon, VideoIcon } from '../components/icons.tsx';
import type { PresenceState } from '../../../protocol/presence.ts';
import { PresenceDot } from '../components/PresenceDot.tsx';
import './log.css';

function When({ time, now }: { time: number; now: number }) {
  const lang = getLanguage();
  const day = dayOf(time, now);
  const date = day === 'today' ? t('today') : day === 'yesterday' ? t('yesterday') : calendarDate(time, now, lang);
  return (
    <time class="when" dateTime={new Date(time).toISOString()}>
      {date} {clockTime(time, lang)}
    </time>
  );
}

/** Extra buttons for a row (its peer's actions: add to contacts, block). */
type RowActions = (r: HistoryRecord) => ComponentChildren;

function Row({ r, now, online, onCallBack, actions, presence }: { r: HistoryRecord; now: number; online: boolean; onCallBack: (r: HistoryRecord) => void; actions?: RowActions | undefined; presence?: PresenceState | undefined }) {
  const missed = isMissed(r);
  const video = r.callType === 'video';
  const name = logName(r);
  const others = (r.joined ?? []).length;
  return (
    <li class={`row-item log-row${missed ? ' missed' : ''}`} data-outcome={r.outcome} data-direction={r.direction} data-duration={r.duration ?? ''} data-call-type={r.callType}>
      <span class="dir" aria-hidden="true">
        {missed ? <MissedIcon size={16} /> : r.direction === 'incoming' ? <IncomingIcon size={16} /> : <OutgoingIcon size={16} />}
      </span>
      <span class="grow">
        <span class="top-line">
          <span class="name">
            {presence && <PresenceDot presence={presence} labelled />}
            {name}
          </span>
          <When time={r.time} now={now} />
        </span>
        <span class="sub block">
          {missed ? <span class="outcome">{t('missedLabel')}</span> : r.direction === 'incoming' ? t('dirIncoming') : t('dirOutgoing')} · {video ? t('video') : t('audio')}
          {!missed && (
            <>
              {' · '}
              <span class="outcome">{r.duration !== undefined ? formatDuration(r.duration) : t(outcomeKey(r))}</span>
            </>
          )}
        </span>
        {others > 0 && (
          <span class="sub block joined" data-testid="log-joined" title={r.joined!.join(', ')}>
            {t('joinedList', others, r.joined!.join(', '))}
          </span>
        )}
        {actions?.(r)}
      </span>
      <button
        type="button"
        class="icon-button call-back"
        disabled={!online}
        onClick={() => onCallBack(r)}
        aria-label={t('callBackNamed', name)}
        title={t('callBackNamed', name)}
        data-testid="call-back"
      >
        {video ? <VideoIcon size={18} /> : <PhoneIcon size={18} />}
      </button>
    </li>
  );
}

export function History({ records, missed, online, onCallBack, actions, presence }: { records: HistoryRecord[] | null; missed: number; online: boolean; onCallBack: (r: HistoryRecord) => void; actions?: RowActions; presence?: Readonly<Record<string, PresenceState>> }) {
  const [shown, setShown] = useState(LOG_PAGE);
  const [query, setQuery] = useState('');
  const [missedOnly, setMissedOnly] = useState(false);
  const now = Date.now();
  const kept = filterLog(records ?? [], query, missedOnly);
  const { rows, more } = page(kept, shown);
  return (
    <section aria-labelledby="log-heading" class="log">
      <h2 id="log-heading">
        {t('recentCalls')}
        {missed > 0 && (
          <span class="count" data-testid="missed-count">
            {t('missedCount', missed)}
          </span>
        )}
      </h2>
      {records && records.length > 0 && (
        <div class="log-tools" role="search">
          <label class="sr-only" for="log-search">
            {t('searchCalls')}
          </label>
          <input id="log-search" type="search" placeholder={t('searchCalls')} value={query} onInput={(e) => setQuery((e.target as HTMLInputElement).value)} data-testid="log-search" />
          <button type="button" class="filter" aria-pressed={missedOnly} onClick={() => setMissedOnly(!missedOnly)} data-testid="log-missed">
            {t('missedFilter')}
          </button>
        </div>
      )}
      {records === null && (
        <p class="sub empty" data-testid="history-state">
          {t(online ? 'loading' : 'logOffline')}
        </p>
      )}
      {records && records.length === 0 && <p class="sub empty">{t('noHistory')}</p>}
      {records && records.length > 0 && kept.length === 0 && (
        <p class="sub empty" data-testid="log-none">
          {t('noMatchingCalls')}
        </p>
      )}
      <ul class="list scroll-list log-list" data-testid="history">
        {rows.map((r) => (
          <Row key={r.inviteID} r={r} now={now} online={online} onCallBack={onCallBack} actions={actions} presence={r.groupID ? undefined : presence?.[r.peer]} />
        ))}
      </ul>
      {more && (
        <button type="button" class="link more" onClick={() => setShown((n) => n + LOG_PAGE)} data-testid="show-more">
          {t('showMore')}
        </button>
      )}
    </section>
  );
}
