import { createAdapter } from '@socket.io/redis-streams-adapter';
import { createClient } from 'redis';
import type { LiveOptions } from 'liverpc/server';

/**
 * Scale-out: with REDIS_URL set, several `node build` processes serve this app through one
 * Redis, each on its own port behind a load balancer; without it, one process needs nothing
 * else. The adapter carries room events, presence and revocation between the processes.
 */
export async function redisAdapter(url: string | undefined): Promise<LiveOptions['adapter']> {
	if (!url) return undefined;
	const redis = createClient({ url });
	// node-redis reconnects by itself; an 'error' event without a listener would end the process.
	let reported = false;
	redis.on('error', (problem: Error) => {
		if (!reported) console.error(`[rooms] Redis: ${problem.message} (reconnecting)`);
		reported = true;
	});
	redis.on('ready', () => (reported = false));
	await redis.connect();
	return createAdapter(redis);
}
