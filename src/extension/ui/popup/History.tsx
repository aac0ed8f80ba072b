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
import { calendarDate, clockTime, dayOf, isMissed, LOG_PAGE, outcomeKey, page } from '../log/call-log.ts';
import { IncomingIcon, MissedIcon, OutgoingIcon, PhoneIcon, VideoIcon } from '../components/icons.tsx';

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

function Row({ r, now, online, onCallBack, actions }: { r: HistoryRecord; now: number; online: boolean; onCallBack: (r: HistoryRecord) => void; actions?: RowActions | undefined }) {
  const missed = isMissed(r);
  const video = r.callType === 'video';
  return (
    <li class={`row-item log-row${missed ? ' missed' : ''}`} data-outcome={r.outcome} data-direction={r.direction} data-duration={r.duration ?? ''} data-call-type={r.callType}>
      <span class="dir" aria-hidden="true">
        {missed ? <MissedIcon size={16} /> : r.direction === 'incoming' ? <IncomingIcon size={16} /> : <OutgoingIcon size={16} />}
      </span>
      <span class="grow">
        <span class="top-line">
          <span class="name">{r.peer}</span>
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
        {actions?.(r)}
      </span>
      <button
        type="button"
        class="icon-button call-back"
        disabled={!online}
        onClick={() => onCallBack(r)}
        aria-label={t('callBackNamed', r.peer)}
        title={t('callBackNamed', r.peer)}
        data-testid="call-back"
      >
        {video ? <VideoIcon size={18} /> : <PhoneIcon size={18} />}
      </button>
    </li>
  );
}

export function History({ records, missed, online, onCallBack, actions }: { records: HistoryRecord[] | null; missed: number; online: boolean; onCallBack: (r: HistoryRecord) => void; actions?: RowActions }) {
  const [shown, setShown] = useState(LOG_PAGE);
  const now = Date.now();
  const { rows, more } = page(records ?? [], shown);
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
      {records === null && (
        <p class="sub empty" data-testid="history-state">
          {t(online ? 'loading' : 'logOffline')}
        </p>
      )}
      {records && records.length === 0 && <p class="sub empty">{t('noHistory')}</p>}
      <ul class="list" data-testid="history">
        {rows.map((r) => (
          <Row key={r.inviteID} r={r} now={now} online={online} onCallBack={onCallBack} actions={actions} />
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
