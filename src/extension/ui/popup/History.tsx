/** Call history from message history; opening it marks missed calls as seen. */
import { useEffect, useState } from 'preact/hooks';
import type { HistoryRecord, Request } from '../../shared/schema.ts';
import { t, type MessageKey } from '../../shared/i18n.ts';
import { formatDuration } from '../hooks.ts';

type Run = <T>(req: Request) => Promise<T | undefined>;

const OUTCOME: Record<HistoryRecord['outcome'], MessageKey> = {
  answered: 'outcomeAnswered',
  rejected: 'outcomeRejected',
  busy: 'outcomeBusy',
  missed: 'outcomeMissed',
  cancelled: 'outcomeCancelled',
  pending: 'outcomePending',
};

export function History({ run, missed, online, refreshKey }: { run: Run; missed: number; online: boolean; refreshKey: number }) {
  const [open, setOpen] = useState(missed > 0);
  const [records, setRecords] = useState<HistoryRecord[] | null>(null);

  useEffect(() => {
    if (!open || !online) return;
    void run<HistoryRecord[]>({ type: 'history/get' }).then((r) => r && setRecords(r));
  }, [open, online, refreshKey]);
  useEffect(() => {
    if (open && missed > 0) void run({ type: 'history/seen' });
  }, [open, missed]);

  return (
    <details open={open} onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
      <summary>
        <h2 style={{ display: 'inline' }}>
          {t('history')}
          {missed > 0 && (
            <span class="count" data-testid="missed-count" aria-label={t('missedCount', missed)}>
              {missed}
            </span>
          )}
        </h2>
      </summary>
      {records && records.length === 0 && <p class="sub">{t('noHistory')}</p>}
      <ul class="list" data-testid="history">
        {(records ?? []).map((r) => (
          <li key={r.inviteID} data-outcome={r.outcome} data-direction={r.direction} data-duration={r.duration ?? ''}>
            <span aria-hidden="true">{r.direction === 'incoming' ? '↙' : '↗'}</span>
            <span class={`grow ${r.outcome === 'missed' && r.direction === 'incoming' ? 'missed' : ''}`}>
              {r.peer}
              <span class="sub">
                {' '}
                · {r.direction === 'incoming' ? t('incoming') : t('outgoing')} ·{' '}
                {r.duration !== undefined
                  ? t('callEndedAfter', formatDuration(r.duration))
                  : r.outcome === 'missed' && r.direction === 'outgoing'
                    ? t('outcomeNoAnswer')
                    : t(OUTCOME[r.outcome])}
              </span>
            </span>
            <time class="sub" dateTime={new Date(r.time).toISOString()}>
              {new Date(r.time).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}
            </time>
          </li>
        ))}
      </ul>
    </details>
  );
}
