/** Preferences: ringtone and its volume, do-not-disturb, call waiting, notifications, language. */
import type { Settings, ViewState } from '../../shared/schema.ts';
import { t } from '../../shared/i18n.ts';
import { useRequest } from '../hooks.ts';

export function Preferences({ state }: { state: ViewState }) {
  const { run, error } = useRequest();
  const s = state.settings;
  const set = (patch: Partial<Settings>) => void run({ type: 'settings/set', patch });
  const check = (key: 'ringtone' | 'doNotDisturb' | 'notifications' | 'missedCallNotifications', label: string) => (
    <label class="row" style={{ margin: '6px 0' }}>
      <input type="checkbox" checked={s[key]} onChange={(e) => set({ [key]: (e.target as HTMLInputElement).checked })} data-testid={`setting-${key}`} />
      {label}
    </label>
  );
  return (
    <fieldset data-testid="preferences">
      <legend>{t('preferences')}</legend>
      {check('ringtone', t('settingRingtone'))}
      <label class="field">
        {t('settingVolume', Math.round(s.volume * 100))}
        <input
          type="range"
          min="0"
          max="100"
          step="5"
          value={Math.round(s.volume * 100)}
          disabled={!s.ringtone}
          onChange={(e) => set({ volume: Number((e.target as HTMLInputElement).value) / 100 })}
          data-testid="setting-volume"
        />
      </label>
      {check('doNotDisturb', t('settingDnd'))}
      <label class="field">
        {t('settingWhileInCall')}
        <select value={s.whileInCall} onChange={(e) => set({ whileInCall: (e.target as HTMLSelectElement).value as Settings['whileInCall'] })} data-testid="setting-whileInCall">
          <option value="busy">{t('whileInCallBusy')}</option>
          <option value="waiting">{t('whileInCallWaiting')}</option>
          <option value="ring">{t('whileInCallRing')}</option>
        </select>
      </label>
      {check('notifications', t('settingNotifications'))}
      {check('missedCallNotifications', t('settingMissedNotifications'))}
      <label class="field">
        {t('settingLanguage')}
        <select value={s.language} onChange={(e) => set({ language: (e.target as HTMLSelectElement).value as Settings['language'] })} data-testid="setting-language">
          <option value="auto">{t('languageAuto')}</option>
          <option value="en">English</option>
          <option value="zh_CN">简体中文</option>
        </select>
      </label>
      {error && <p class="error" role="alert">{error}</p>}
    </fieldset>
  );
}
