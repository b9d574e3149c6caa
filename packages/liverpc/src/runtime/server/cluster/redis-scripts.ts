import { createHash } from 'node:crypto';
import type { RedisClient } from '../options/redis-client.js';

// The Lua scripts that make Redis the one place where a room's order is decided: each runs
// atomically, so an offset, its stream entry and its publication happen as one step, and
// every subscriber hears a room's messages in offset order.
//
// Keys of one room (its Socket.IO room key inside braces, so a Redis Cluster keeps them on
// one slot): `liverpc:{key}:m` a hash with the epoch `e`, the last offset `o`;
// `liverpc:{key}:s` the stream of recent events, entry id `<offset>-1`;
// `liverpc:{key}:p` presence entries by connection, `liverpc:{key}:x` their expiry times.
// Messages on the channel `liverpc:{key}`:
//   `e <epoch> <offset> <json>`  an event          `+ <connection> <json>`  presence entry
//   `- <connection>`             entry removed     `r <epoch> <offset>`     the log restarted
// A restart (`r`) names the epoch it replaces, or none: when another process restarted the
// log first, the epoch differs and nothing happens, so the members re-join once.

/** Redis keys and the channel of one room. */
export interface RoomKeys {
	channel: string;
	meta: string;
	stream: string;
	presence: string;
	expiry: string;
}

export function roomKeys(key: string): RoomKeys {
	const base = `liverpc:{${key}}`;
	return { channel: base, meta: `${base}:m`, stream: `${base}:s`, presence: `${base}:p`, expiry: `${base}:x` };
}

/** The key under which a process notes the last batch it wrote, so a batch retried after a lost reply is not written twice. */
export function writerKey(processId: string): string {
	return `liverpc:w:${processId}`;
}

/**
 * Writes one batch of a process's operations, in order. KEYS: two per operation, then the
 * writer's key. ARGV: batch number, stream length, stream ttl, meta ttl, presence expiry,
 * a fresh epoch, then four per operation: kind, channel, two values.
 */
export const WRITE_BATCH = `
local writer = KEYS[#KEYS]
local batch = tonumber(ARGV[1])
if tonumber(redis.call('GET', writer) or '0') >= batch then return 0 end
redis.call('SET', writer, ARGV[1], 'PX', 86400000)
local maxlen, streamTtl, metaTtl, expiry, fresh = tonumber(ARGV[2]), ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local count = (#KEYS - 1) / 2
for i = 1, count do
  local a, b = KEYS[2 * i - 1], KEYS[2 * i]
  local at = 6 + (i - 1) * 4
  local kind, channel, x, y = ARGV[at + 1], ARGV[at + 2], ARGV[at + 3], ARGV[at + 4]
  if kind == 'e' then
    if redis.call('HSETNX', a, 'e', fresh .. '.' .. i) == 1 then redis.call('DEL', b) end
    local epoch = redis.call('HGET', a, 'e')
    local offset = redis.call('HINCRBY', a, 'o', 1)
    redis.call('PEXPIRE', a, metaTtl)
    if maxlen > 0 then
      redis.pcall('XADD', b, 'MAXLEN', maxlen, offset .. '-1', 'd', x)
      redis.call('PEXPIRE', b, streamTtl)
    end
    redis.call('PUBLISH', channel, 'e ' .. epoch .. ' ' .. offset .. ' ' .. x)
  elseif kind == '+' then
    redis.call('HSET', a, x, y)
    redis.call('ZADD', b, expiry, x)
    redis.call('PEXPIRE', a, metaTtl)
    redis.call('PEXPIRE', b, metaTtl)
    redis.call('PUBLISH', channel, '+ ' .. x .. ' ' .. y)
  elseif kind == '-' then
    redis.call('ZREM', b, x)
    if redis.call('HDEL', a, x) == 1 then redis.call('PUBLISH', channel, '- ' .. x) end
  elseif kind == 'k' then
    redis.call('PUBLISH', channel, x)
  elseif kind == 'r' and (x == '' or redis.call('HGET', a, 'e') == x) then
    redis.call('DEL', b)
    redis.call('HSET', a, 'e', fresh .. '.' .. i)
    local offset = redis.call('HINCRBY', a, 'o', 0)
    redis.call('PEXPIRE', a, metaTtl)
    redis.call('PUBLISH', channel, 'r ' .. fresh .. '.' .. i .. ' ' .. offset)
  end
end
return count
`;

/**
 * Opens a room's log for a process that has members there: gives it an epoch if it has none
 * (so a position handed to a member is never in a log without one) and returns `[epoch,
 * offset]`. KEYS: meta, stream. ARGV: a fresh epoch, meta ttl.
 */
export const OPEN_LOG = `
if redis.call('HSETNX', KEYS[1], 'e', ARGV[1]) == 1 then redis.call('DEL', KEYS[2]) end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'e', 'o')
return { state[1], state[2] or '0' }
`;

/**
 * Keeps this process's presence entries of a room alive and removes entries whose process
 * stopped refreshing them (it crashed or lost Redis for longer than the ttl). KEYS: presence,
 * expiry. ARGV: channel, now, new expiry, key ttl, then this process's connections there.
 */
export const REFRESH_PRESENCE = `
for i = 5, #ARGV do redis.call('ZADD', KEYS[2], 'XX', ARGV[3], ARGV[i]) end
local gone = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[2])
for _, connection in ipairs(gone) do
  redis.call('ZREM', KEYS[2], connection)
  if redis.call('HDEL', KEYS[1], connection) == 1 then redis.call('PUBLISH', ARGV[1], '- ' .. connection) end
end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return #gone
`;

/** A script run by its digest, loaded on first use and again after Redis forgot it (a restart). */
export class RedisScript {
	readonly #source: string;
	readonly #sha: string;

	constructor(source: string) {
		this.#source = source;
		this.#sha = createHash('sha1').update(source).digest('hex');
	}

	async run(redis: RedisClient, keys: readonly string[], args: readonly string[]): Promise<unknown> {
		const tail = [String(keys.length), ...keys, ...args];
		try {
			return await redis.sendCommand(['EVALSHA', this.#sha, ...tail]);
		} catch (problem) {
			if (!String((problem as Error | null)?.message).startsWith('NOSCRIPT')) throw problem;
			return redis.sendCommand(['EVAL', this.#source, ...tail]);
		}
	}
}
