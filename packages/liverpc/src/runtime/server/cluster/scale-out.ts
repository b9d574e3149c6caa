import type { Server } from 'socket.io';
import type { CallMemory, RecallCall } from '../calls/call-memory.js';
import type { RedisClient } from '../options/redis-client.js';
import { shareCallMemory } from './call-recall.js';
import { RedisCluster, redisStreamsAdapter } from './redis-cluster.js';

// The one door into this folder: the server's setup imports it dynamically, and only when
// `redis` is set, so a process serving alone never loads the scale-out code.

/** What a server scaled out on Redis runs with: the cluster, and how to ask the others about a call. */
export interface ScaledOut {
	cluster: RedisCluster;
	recall: RecallCall;
}

/**
 * Scales a server out on `redis`: Socket.IO's adapter becomes the Redis streams adapter (so
 * the hook keys' rooms reach every process), room logs and presence move to Redis, and the
 * call memory answers the other processes. Made before the first connection is admitted.
 */
export function scaleOut(io: Server, redis: RedisClient, memory: CallMemory, parts: ConstructorParameters<typeof RedisCluster>[2]): ScaledOut {
	io.adapter(redisStreamsAdapter(redis));
	const cluster = new RedisCluster(io, redis, parts);
	return { cluster, recall: shareCallMemory(io, memory) };
}
