import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { respond } from '../../src/extension/messaging/worker.ts';
import { ViewError } from '../../src/extension/background/errors.ts';

const page = { id: 'test-extension-id', url: 'chrome-extension://test-extension-id/popup.html' };
const tab = { id: 'test-extension-id', url: 'https://example.com/', tab: { id: 4, url: 'https://example.com/' } };

describe('the worker message channel', () => {
  beforeEach(() => fakeBrowser.reset());

  it('rejects unknown shapes with a stated error and never calls the handler', async () => {
    const handler = vi.fn();
    for (const bad of [null, 'hi', { type: 'call/dial' }, { type: 'nope' }, { type: 'call/dial', userID: 'bad id!', callType: 'audio' }]) {
      const res = await respond(bad, page as never, handler);
      expect(res).toMatchObject({ ok: false, error: { code: 'bad_message', message: expect.stringMatching(/^rejected message: /) } });
    }
    expect(handler).not.toHaveBeenCalled();
  });

  it('passes a valid request to the handler and wraps its result', async () => {
    const res = await respond({ type: 'call/dial', userID: 'bob', callType: 'video' }, page as never, async (req) => req.type);
    expect(res).toEqual({ ok: true, result: 'call/dial' });
  });

  it('lets a web page content script only accept, reject, cancel, confirm or silence, and tells it nothing but the outcome', async () => {
    const handler = vi.fn(async () => ({ userID: 'bob', incoming: [] }));
    expect(await respond({ type: 'call/accept', inviteID: 'x' }, tab as never, handler)).toEqual({ ok: true });
    expect(await respond({ type: 'call/confirm', inviteID: 'x' }, tab as never, handler)).toEqual({ ok: true });
    expect(await respond({ type: 'call/silence', inviteID: 'x' }, tab as never, handler)).toEqual({ ok: true });
    expect(await respond({ type: 'call/silence' }, tab as never, handler)).toMatchObject({ ok: false, error: { code: 'bad_message' } });
    expect(await respond({ type: 'account/signOut' }, tab as never, handler)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await respond({ type: 'call/dial', userID: 'bob', callType: 'audio' }, tab as never, handler)).toMatchObject({ ok: false });
    expect(handler).toHaveBeenCalledTimes(3);
  });

  it('treats the popup opened in a tab as an extension page', async () => {
    const inTab = { ...page, tab: { id: 9, url: page.url } };
    expect(await respond({ type: 'account/signOut' }, inTab as never, async () => 1)).toEqual({ ok: true, result: 1 });
  });

  it('turns a RingletError into its code and translated message', async () => {
    const res = await respond({ type: 'state/get' }, page as never, async () => {
      throw new ViewError(70003, 'errorBadCredentials', 'x');
    });
    expect(res).toEqual({ ok: false, error: { code: 70003, message: 'User ID or password is wrong.' } });
  });
});
