export const EVENT = { NET_STATE_CHANGE: 'netStateChange', KICKED_OUT: 'kickedOut' };
export function createChat(_o: { server: string }): never { throw new Error('SDK not available yet'); }
