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
	// After SIGTERM, adapter-node closes its server and emits this once the last request is
	// answered; LiveRPC has closed the adapter by then. An open Redis client would keep the
	// process alive, so a deploy would have to kill it.
	process.once('sveltekit:shutdown', () => void redis.close().catch(() => {}));
	// The adapter reads Redis with blocking reads: a shorter block lets its readers notice the
	// shutdown within a second rather than five.
	return createAdapter(redis, { blockTimeInMs: 1000 });
}
