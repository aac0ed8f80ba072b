/**
 * The Redis connections of a node (bus, SFU room owners): connected explicitly, failing
 * fast while Redis is away (no offline queue, no per-command retries) and reconnecting on
 * their own with a back-off capped at 1 s.
 */
import { Redis, type RedisOptions } from 'ioredis';

export function redisClient(url: string, connectionName: string, options: RedisOptions = {}): Redis {
  return new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 5000,
    retryStrategy: (times: number) => Math.min(100 * times, 1000),
    connectionName,
    ...options,
  });
}
