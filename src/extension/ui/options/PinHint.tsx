/** How to pin the toolbar icon, for the browser this build runs in. */
import { t } from '../../shared/i18n.ts';

export function PinHint() {
  return (
    <div class="check" data-testid="pin-hint">
      <h3>{t('pinTitle')}</h3>
      <p class="sub">{import.meta.env.FIREFOX ? t('pinFirefox') : t('pinChrome')}</p>
    </div>
  );
}
