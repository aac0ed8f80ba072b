/** Small hooks shared by the extension pages: the worker's live state and requests. */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import type { CommandName } from '../shared/commands.ts';
import { connectView, request, RequestError } from '../messaging/client.ts';
import type { RequestOf, RequestResults, RequestType, ViewState } from '../shared/schema.ts';
import { resolveLanguage, setLanguage } from '../shared/i18n.ts';

/** The worker's state, live over a port; null until the first push. */
export function usePhone(): ViewState | null {
  const [state, setState] = useState<ViewState | null>(null);
  useEffect(
    () =>
      connectView((s) => {
        setLanguage(resolveLanguage(s.settings.language));
        setState(s);
      }),
    [],
  );
  return state;
}

/** Runs requests, tracking the one in flight and the last error message. */
export function useRequest() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = useCallback(async <K extends RequestType,>(req: RequestOf<K> & { type: K }): Promise<RequestResults[K] | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await request<K>(req);
    } catch (e) {
      setError(e instanceof RequestError || e instanceof Error ? e.message : String(e));
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { run, busy, error, clearError: () => setError(null) };
}

/** Sends a request to the worker, its result typed by the request; undefined when it failed (useRequest shows the error). */
export type Run = ReturnType<typeof useRequest>['run'];

/** Re-renders every second while `active` (countdowns, call timers). */
export function useTick(active: boolean): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!active) return;
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, [active]);
  return now;
}

/** m:ss */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * Runs `handler` on the keyboard shortcut `name` (shared/commands.ts). The browser reports a
 * command to every extension page listening, so the page that owns the action (the call
 * window and its microphone) hears it directly.
 */
export function useCommand(name: CommandName, handler: () => void): void {
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => {
    const commands = browser.commands;
    if (!commands) return;
    const listener = (command: string) => {
      if (command === name) latest.current();
    };
    commands.onCommand.addListener(listener);
    return () => commands.onCommand.removeListener(listener);
  }, [name]);
}
