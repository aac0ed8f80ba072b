/**
 * What a feature is (refined-github's one file per feature, WXT's `ctx`): a file in
 * features/ exporting one `defineFeature({...})`, listed once in registry.ts. A feature
 * may serve requests from the views (`handles`, typed from the message schema: a
 * handler that takes or answers another shape does not compile) and hook into the
 * browser (`init`: listeners and timers added through `ctx`, so they are registered
 * synchronously when the worker script runs and removed when `ctx.signal` aborts).
 */
import type { Connection, RequestOf, RequestResults, RequestType, ViewState } from '../shared/schema.ts';
import type { CallWindows } from './windows.ts';
import type { BrowserEvent } from './listen.ts';
import type { PhoneContext } from './phone-context.ts';

/** Serves one request type with the phone's context. */
export type RequestHandler<K extends RequestType> = (ctx: PhoneContext, req: RequestOf<K>) => Promise<RequestResults[K]>;

/** One handler per request type: registry.ts builds it from the features and checks it is whole. */
export type RequestHandlers = { readonly [K in RequestType]: RequestHandler<K> };

/** The phone as a feature's browser listeners use it (phone.ts implements it). */
export interface PhoneApi {
  /** Resolves once the phone has read its storage (account, settings, calls). */
  readonly ready: Promise<void>;
  readonly connection: Connection;
  viewState(): ViewState;
  /** Hears every new view state; returns the unsubscribe function. */
  subscribe(listener: (state: ViewState) => void): () => void;
  /** Serves a request as if a view had sent it (after `ready`). */
  handle<K extends RequestType>(req: RequestOf<K> & { type: K }): Promise<RequestResults[K]>;
  /** The newest ringing invitation, if any. */
  newestIncoming(): string | null;
  /** Makes sure a signed-in phone has an SDK session (a wake-up). */
  ensureConnected(): Promise<void>;
}

/** How the entry point sets up the background for its browser. */
export interface BackgroundOptions {
  /** Keep the background from being suspended while signed in (Firefox's event page). */
  keepAwake: boolean;
}

/** What `init` gets: the phone, and listeners and timers that end with `signal`. */
export interface FeatureContext {
  readonly phone: PhoneApi;
  readonly callWindows: CallWindows;
  readonly options: BackgroundOptions;
  /** Aborts when the features stop. */
  readonly signal: AbortSignal;
  /** Adds a browser listener now and removes it when the features stop. */
  listen<F>(event: BrowserEvent<F>, listener: F): void;
  setTimeout(fn: () => void, ms: number): void;
  /** Returns a function that clears the interval sooner. */
  setInterval(fn: () => void, ms: number): () => void;
}

/** One feature of the background. `K`: the request types it handles, kept for the registry's check. */
export interface Feature<K extends RequestType = RequestType> {
  /** Unique; names the feature in errors and logs. */
  readonly name: string;
  readonly handles?: { readonly [P in K]?: RequestHandler<P> };
  /** Runs synchronously when the worker script runs: add listeners here, never after an await. */
  init?(ctx: FeatureContext): void;
  /** Cleanup beyond what `ctx.signal` already ends. */
  deinit?(): void;
}

/** Declares a feature; the request types it handles are inferred from `handles`' keys. */
export function defineFeature<K extends RequestType = never>(feature: Feature<K>): Feature<K> {
  return feature;
}
