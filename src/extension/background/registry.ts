/**
 * The one list of the background's features (refined-github's registry). Every file in
 * features/ exports a feature registered here (test/extension/registry.test.ts fails on
 * one that is not). The request handler table is built from the list: a request type
 * that no feature handles does not compile (`AllHandled` below names it), and two
 * features handling one type fail when the worker loads.
 */
import type { RequestOf, RequestResults, RequestType } from '../shared/schema.ts';
import type { Feature, FeatureContext, RequestHandlers } from './feature.ts';
import { interval, listen, timeout } from './listen.ts';
import { logError } from './log.ts';
import type { PhoneContext } from './phone-context.ts';
import { account } from './features/account.ts';
import { answer } from './features/answer.ts';
import { callLog } from './features/call-log.ts';
import { callWindow } from './features/call-window.ts';
import { capabilities } from './features/capabilities.ts';
import { classroom } from './features/classroom.ts';
import { contextMenu } from './features/context-menu.ts';
import { dial } from './features/dial.ts';
import { groups } from './features/groups.ts';
import { groupAdmin } from './features/group-admin.ts';
import { hangup } from './features/hangup.ts';
import { presence } from './features/presence.ts';
import { holdFeature } from './features/hold.ts';
import { ringNotifications } from './features/ring-notifications.ts';
import { shortcuts } from './features/shortcuts.ts';
import { transferFeature } from './features/transfer.ts';
import { trust } from './features/trust.ts';
import { views } from './features/views.ts';
import { wake } from './features/wake.ts';

export const FEATURES = [
  views,
  account,
  dial,
  answer,
  hangup,
  transferFeature,
  holdFeature,
  classroom,
  groups,
  groupAdmin,
  capabilities,
  callLog,
  callWindow,
  ringNotifications,
  contextMenu,
  shortcuts,
  trust,
  presence,
  wake,
] as const;

type HandledBy<F> = F extends Feature<infer K> ? K : never;
/** The request types that no feature of the list `F` handles. */
export type Unhandled<F extends readonly Feature[]> = Exclude<RequestType, HandledBy<F[number]>>;
/** Compiles only when `Missing` is empty: the error names each request type without a handler. */
type Whole<Missing extends never> = Missing;
type AllHandled = Whole<Unhandled<typeof FEATURES>>;

/** Merges the features' handlers; a request type claimed twice is a programming error. */
export function handlerTable(features: readonly Feature[]): RequestHandlers {
  const table: Record<string, unknown> = {};
  for (const feature of features) {
    for (const [type, handler] of Object.entries(feature.handles ?? {})) {
      if (type in table) throw new Error(`request ${type} is handled by two features (the second: ${feature.name})`);
      table[type] = handler;
    }
  }
  // Whole by AllHandled above (for FEATURES); each entry typed by defineFeature.
  return table as RequestHandlers;
}

/** Every request's handler. */
export const REQUEST_HANDLERS = handlerTable(FEATURES);

/** Serves one request with its handler (typed: the table's entry for `req.type` takes `req`). */
export function serve<K extends RequestType>(table: RequestHandlers, ctx: PhoneContext, req: RequestOf<K> & { type: K }): Promise<RequestResults[K]> {
  return table[req.type](ctx, req);
}

/** The running features: `stop()` removes every listener and timer they added. */
export interface RunningFeatures {
  /** Aborts at `stop()`: for the wiring's own listeners. */
  readonly signal: AbortSignal;
  stop(): void;
}

/**
 * Runs each feature's `init` now, synchronously (MV3: a stopped worker woken by an event
 * finds its listener only if it was added while the script ran). A feature whose `init`
 * throws is logged and the others still start.
 */
export function startFeatures(features: readonly Feature[], deps: Pick<FeatureContext, 'phone' | 'callWindows' | 'options'>): RunningFeatures {
  const controller = new AbortController();
  const { signal } = controller;
  const ctx: FeatureContext = {
    ...deps,
    signal,
    listen: (event, listener) => listen(event, listener, signal),
    setTimeout: (fn, ms) => timeout(fn, ms, signal),
    setInterval: (fn, ms) => interval(fn, ms, signal),
  };
  for (const feature of features) {
    try {
      feature.init?.(ctx);
    } catch (e) {
      logError(`feature ${feature.name}`, e);
    }
  }
  return {
    signal,
    stop() {
      controller.abort();
      for (const feature of features) feature.deinit?.();
    },
  };
}
