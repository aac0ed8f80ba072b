/**
 * The keyboard shortcuts as the browser has them bound now (`commands.getAll`: a person may
 * have changed or removed them), which of them work while the browser is not focused, and
 * where to change them.
 */
import { useEffect, useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import { t } from '../../shared/i18n.ts';
import { COMMANDS, isGlobal, type CommandName } from '../../shared/commands.ts';

interface Bound {
  name: CommandName;
  shortcut: string;
}

const FIREFOX = import.meta.env.FIREFOX;
const ORDER = Object.keys(COMMANDS) as CommandName[];

export function Shortcuts() {
  const [bound, setBound] = useState<Bound[] | null>(null);
  useEffect(() => {
    const read = () =>
      void browser.commands
        ?.getAll()
        .then((all) => setBound(ORDER.flatMap((name) => all.filter((c) => c.name === name).map((c) => ({ name, shortcut: c.shortcut ?? '' })))))
        .catch(() => setBound([]));
    read();
    // Coming back from the browser's shortcuts page shows the keys just chosen.
    window.addEventListener('focus', read);
    return () => window.removeEventListener('focus', read);
  }, []);
  return (
    <fieldset data-testid="shortcuts">
      <legend>{t('shortcutsHeading')}</legend>
      <dl class="shortcuts">
        {(bound ?? []).map((c) => (
          <div key={c.name} data-testid={`shortcut-${c.name}`} data-shortcut={c.shortcut}>
            <dt>{t(COMMANDS[c.name].description)}</dt>
            <dd>
              {c.shortcut ? <kbd>{c.shortcut}</kbd> : <span class="sub">{t('shortcutNotSet')}</span>}
              {c.shortcut && isGlobal(c.name, FIREFOX) && <span class="sub"> · {t('shortcutGlobal')}</span>}
            </dd>
          </div>
        ))}
      </dl>
      <p class="sub">{FIREFOX ? t('shortcutsChangeFirefox') : t('shortcutsChangeChrome')}</p>
    </fieldset>
  );
}
