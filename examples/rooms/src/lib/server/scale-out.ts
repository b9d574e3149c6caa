import { createClient } from 'redis';
import type { LiveOptions } from 'liverpc/server';

/**
 * Scale-out: with REDIS_URL set, several `node build` processes serve this app through one
 * Redis, each on its own port behind a load balancer; without it, one process needs nothing
 * else. Redis holds each room's order and recent messages, presence, and carries sign-outs.
 */
export async function redisClient(url: string | undefined): Promise<LiveOptions['redis']> {
	if (!url) return undefined;
	const redis = createClient({ url });
	// node-redis reconnects by itself; LiveRPC logs once when Redis is lost and once when it is back.
	redis.on('error', () => {});
	await redis.connect();
	// After SIGTERM, adapter-node closes its server and emits this once the last request is
	// answered; LiveRPC has stopped using Redis by then. An open Redis client would keep the
	// process alive, so a deploy would have to kill it.
	process.once('sveltekit:shutdown', () => void redis.close().catch(() => {}));
	return redis;
}
