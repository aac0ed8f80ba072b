/**
 * Presence and the call in progress from the popup: follow people's presence (the popup's
 * contacts, call log and suggestions; ViewState.presence), and mute or unmute my
 * microphone (the call window holds it and applies ActiveCall.muted).
 */
import { ErrorCode } from '../../../protocol/errors.ts';
import type { ViewState } from '../../shared/schema.ts';
import { ViewError } from '../errors.ts';
import { defineFeature } from '../feature.ts';
import type { PhoneContext } from '../phone-context.ts';

async function mute(ctx: PhoneContext, muted: boolean): Promise<ViewState> {
  if (!ctx.state().active) throw new ViewError(ErrorCode.INVALID_PARAMETER, 'errorNoCall', 'no call in progress');
  await ctx.dispatch({ type: 'muted', muted });
  return ctx.view();
}

export const presence = defineFeature({
  name: 'presence',
  handles: {
    'presence/watch': async (ctx, req) => {
      ctx.chat();
      await ctx.presence.watch(req.userIDList);
      return ctx.view();
    },
    'call/mute': (ctx, req) => mute(ctx, req.muted),
  },
});
