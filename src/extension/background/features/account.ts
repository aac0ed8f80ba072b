/**
 * The account (sign in, sign out) and the settings; onboarding (the options page opens
 * on install) and the "sign in again" notification, whose click opens the options page.
 */
import { browser } from 'wxt/browser';
import type { Settings, ViewState } from '../../shared/schema.ts';
import { resolveLanguage, setLanguage, t } from '../../shared/i18n.ts';
import { readManagedServer } from '../../shared/managed.ts';
import { serverURLProblem } from '../../shared/server-url.ts';
import { ErrorCode } from '../../../protocol/errors.ts';
import { requestUserSig, revokeUserSig } from '../accounts.ts';
import { ViewError } from '../errors.ts';
import { defineFeature } from '../feature.ts';
import { logError } from '../log.ts';
import { parseNotificationId } from '../notification-id.ts';
import { showNotification } from '../notifications.ts';
import type { PhoneContext } from '../phone-context.ts';

async function signIn(ctx: PhoneContext, server: string, userID: string, password: string, create: boolean): Promise<ViewState> {
  const host = ctx.account;
  await checkServerAllowed(server);
  const known = create ? null : await host.deviceToken(server, userID);
  const creds = await requestUserSig(server, userID, password, create, host.fetch, known);
  if (creds.deviceToken !== null) await host.setDeviceToken(server, creds.userID, creds.deviceToken);
  const sameUser = host.account()?.userID === creds.userID;
  await host.disconnect();
  await host.setAccount({ server, userID: creds.userID, userSig: creds.userSig }, server);
  if (!sameUser) await host.clearCalls();
  const connection = await host.connect();
  if (connection === 'expired') throw new ViewError(ErrorCode.BAD_USER_SIG, 'sessionExpired', 'the server refused the new userSig');
  if (connection !== 'online') throw new ViewError('unreachable', 'errorUnreachable', `cannot connect to ${server}`, [server]);
  return ctx.view();
}

/** Before the password goes anywhere: a clear-text address, or another than the policy's locked one, is refused. */
async function checkServerAllowed(server: string): Promise<void> {
  const problem = serverURLProblem(server);
  if (problem) throw new ViewError('bad_server', problem.key, `refused server address ${server}`, problem.subs);
  const managed = await readManagedServer();
  if (managed.locked && managed.serverURL !== server) throw new ViewError('server_locked', 'errorServerLocked', `the policy sets the server to ${managed.serverURL}`, [managed.serverURL ?? '']);
}

async function signOut(ctx: PhoneContext): Promise<ViewState> {
  const host = ctx.account;
  const held = host.account();
  // The session first (its KICKED_OUT for the revoked token must not read as "expired"),
  // then the token itself, so no copy of it outlives the sign-out.
  await host.disconnect();
  if (held?.userSig) {
    await revokeUserSig(held.server, held.userSig, host.fetch).catch((e) => logError('sign-out: revoking the userSig', e));
  }
  await host.setAccount(null);
  host.signedOut();
  await host.clearCalls();
  return ctx.view();
}

async function changeSettings(ctx: PhoneContext, patch: Partial<Settings>): Promise<ViewState> {
  const before = ctx.account.settings();
  const settings = { ...before, ...patch };
  // The language first: the outputs brought in line next are worded in it.
  if (patch.language !== undefined && patch.language !== before.language) setLanguage(resolveLanguage(settings.language));
  await ctx.account.setSettings(settings);
  return ctx.view();
}

/** Sign-in needed (the server refused the userSig). */
export async function showSignInAgain(): Promise<void> {
  await showNotification({ kind: 'signIn' }, { title: t('extName'), message: t('sessionExpired') });
}

export const account = defineFeature({
  name: 'account',
  handles: {
    'account/signIn': (ctx, req) => signIn(ctx, req.server, req.userID, req.password, req.create),
    'account/signOut': (ctx) => signOut(ctx),
    'settings/set': (ctx, req) => changeSettings(ctx, req.patch),
  },
  init(ctx) {
    ctx.listen(browser.runtime.onInstalled, (details) => {
      if (details.reason === 'install') void browser.runtime.openOptionsPage().catch((e) => logError('onboarding', e));
    });
    ctx.listen(browser.notifications.onClicked, (raw: string) => {
      if (parseNotificationId(raw)?.kind === 'signIn') void browser.runtime.openOptionsPage().catch((e) => logError('notification click', e));
    });
  },
});
