/**
 * The Lua scripts of the Redis bus (presence). Each runs atomically in Redis; they read
 * keys derived from their arguments, so they suit a single Redis or Sentinel, not Redis Cluster.
 */

// Returns, for each presence key, the live node ids holding a session (ARGV[2] excluded).
export const LOOKUP = `
local alive = {}
local out = {}
for i, key in ipairs(KEYS) do
  local seen = {}
  local nodes = {}
  for _, m in ipairs(redis.call('ZRANGE', key, 0, -1)) do
    local node = string.match(m, '^([^|]+)|')
    if node and node ~= ARGV[2] and not seen[node] then
      seen[node] = true
      if alive[node] == nil then alive[node] = redis.call('EXISTS', ARGV[1] .. node) == 1 end
      if alive[node] then table.insert(nodes, node) end
    end
  end
  out[i] = nodes
end
return out
`;

// Adds one session to a user's presence, prunes members of dead nodes, and returns (and
// removes) the oldest members above the per-user limit. Also refreshes this node's heartbeat.
// KEYS[1] presence key; ARGV: member, score, max, node key prefix, own node id, ttl ms, own info,
// presence key ttl ms (refreshed by the nodes holding sessions; a crashed node's leftovers expire)
export const REGISTER = `
redis.call('SET', ARGV[4] .. ARGV[5], ARGV[7], 'PX', ARGV[6])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[8])
local live = {}
local alive = {}
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local node = string.match(m, '^([^|]+)|')
  if node and alive[node] == nil then alive[node] = redis.call('EXISTS', ARGV[4] .. node) == 1 end
  if node and alive[node] then table.insert(live, m) else redis.call('ZREM', KEYS[1], m) end
end
local out = {}
local excess = #live - tonumber(ARGV[3])
for i = 1, excess do
  table.insert(out, live[i])
  redis.call('ZREM', KEYS[1], live[i])
end
return out
`;

// Every registered node with a live heartbeat; members without one are dropped.
// KEYS[1] node set; ARGV[1] node key prefix
export const LIVE_NODES = `
local live = {}
for _, n in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('EXISTS', ARGV[1] .. n) == 1 then table.insert(live, n) else redis.call('SREM', KEYS[1], n) end
end
return live
`;

export interface RedisScripts {
  ringletLookup(numKeys: number, ...args: (string | number)[]): Promise<string[][]>;
  ringletRegister(...args: (string | number)[]): Promise<string[]>;
  ringletLiveNodes(key: string, nodePrefix: string): Promise<string[]>;
}
