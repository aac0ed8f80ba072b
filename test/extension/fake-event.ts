/** A browser event with `trigger`, for the APIs WXT's fake browser leaves unimplemented (onConnect, commands, context menus). */
type Listener = (...args: never[]) => unknown;

export function fakeEvent() {
  const listeners = new Set<Listener>();
  return {
    addListener: (l: Listener) => void listeners.add(l),
    removeListener: (l: Listener) => void listeners.delete(l),
    hasListener: (l: Listener) => listeners.has(l),
    hasListeners: () => listeners.size > 0,
    trigger: (...args: unknown[]) => [...listeners].map((l) => (l as (...a: unknown[]) => unknown)(...args)),
  };
}
