// The Redis side of a scaled-out room log, against a real redis-server: the scripts that
// decide a room's order, and the writer that sends a process's writes in order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import { OPEN_LOG, RedisScript, roomKeys, WRITE_BATCH, writerKey } from '../src/runtime/server/cluster/redis-scripts.js';
import { RedisWriter } from '../src/runtime/server/cluster/redis-writer.js';
import { eventually } from './harness.js';
import { startRedis, type RedisServer } from './support/redis-server.js';

let server: RedisServer;
let redis: ReturnType<typeof createClient>;
let subscriber: ReturnType<typeof createClient>;

beforeAll(async () => {
	server = await startRedis();
	redis = createClient({ url: server.url });
	redis.on('error', () => {});
	await redis.connect();
	subscriber = redis.duplicate();
	subscriber.on('error', () => {});
	await subscriber.connect();
}, 30_000);
afterAll(async () => {
	await subscriber?.close().catch(() => {});
	await redis?.close().catch(() => {});
	await server?.close();
});

const write = new RedisScript(WRITE_BATCH);
const open = new RedisScript(OPEN_LOG);

/** One batch of events for `room`, as the writer sends it. */
function eventBatch(processId: string, batch: number, room: string, events: string[], size = 3) {
	const keys = roomKeys(room);
	const args = [String(batch), String(size), '60000', '60000', '0', `fresh${batch}`];
	const keyList: string[] = [];
	for (const event of events) {
		keyList.push(keys.meta, keys.stream);
		args.push('e', keys.channel, JSON.stringify(['said', event]), '');
	}
	keyList.push(writerKey(processId));
	return write.run(redis, keyList, args);
}

describe('the room log scripts', () => {
	it('give a room consecutive offsets in one epoch, keep the last `size` in the stream, and publish in that order', async () => {
		const heard: string[] = [];
		await subscriber.subscribe(roomKeys('a#1').channel, (message) => heard.push(message));
		await eventBatch('p1', 1, 'a#1', ['one', 'two']);
		await eventBatch('p2', 1, 'a#1', ['three', 'four']);
		await eventually(() => expect(heard).toHaveLength(4));
		const epoch = heard[0]!.split(' ')[1];
		expect(heard.map((message) => message.split(' ').slice(1, 3).join(' '))).toEqual([1, 2, 3, 4].map((offset) => `${epoch} ${offset}`));
		expect(heard.map((message) => JSON.parse(message.slice(message.indexOf('[')))[1])).toEqual(['one', 'two', 'three', 'four']);
		const stream = (await redis.sendCommand(['XRANGE', roomKeys('a#1').stream, '-', '+'])) as Array<[string, string[]]>;
		expect(stream.map(([id]) => id)).toEqual(['2-1', '3-1', '4-1']);
		expect(await open.run(redis, [roomKeys('a#1').meta, roomKeys('a#1').stream], ['other', '60000'])).toEqual([epoch, '4']);
	});

	it('skip a batch written already, so a batch sent again after a lost reply is not doubled', async () => {
		await eventBatch('p3', 7, 'b#1', ['once']);
		expect(await eventBatch('p3', 7, 'b#1', ['once'])).toBe(0);
		expect(await eventBatch('p3', 6, 'b#1', ['older'])).toBe(0);
		expect(await redis.sendCommand(['HGET', roomKeys('b#1').meta, 'o'])).toBe('1');
	});

	it('start a new epoch, with an empty stream, when the room\'s log is gone (Redis came back empty)', async () => {
		const keys = roomKeys('c#1');
		const [first] = (await open.run(redis, [keys.meta, keys.stream], ['e1', '60000'])) as [string, string];
		expect(first).toBe('e1');
		await eventBatch('p4', 1, 'c#1', ['x']);
		await redis.sendCommand(['DEL', keys.meta]);
		expect(await open.run(redis, [keys.meta, keys.stream], ['e2', '60000'])).toEqual(['e2', '0']);
		expect(await redis.sendCommand(['EXISTS', keys.stream])).toBe(0);
	});

	it('restart a log only while it is in the epoch named: two processes asking give it one new epoch', async () => {
		const keys = roomKeys('e#1');
		await eventBatch('p6', 1, 'e#1', ['one', 'two']);
		const epoch = (await redis.sendCommand(['HGET', keys.meta, 'e'])) as string;
		const restart = (batch: number, named: string) => write.run(redis, [keys.meta, keys.stream, writerKey(`p${batch}`)], ['1', '3', '60000', '60000', '0', `again${batch}`, 'r', keys.channel, named, '']);
		await restart(7, epoch);
		const renewed = (await redis.sendCommand(['HGET', keys.meta, 'e'])) as string;
		expect(renewed).not.toBe(epoch);
		expect(await redis.sendCommand(['EXISTS', keys.stream])).toBe(0);
		expect(await redis.sendCommand(['HGET', keys.meta, 'o'])).toBe('2');
		// The second process asks for the epoch it saw, which is gone: nothing changes.
		await restart(8, epoch);
		expect(await redis.sendCommand(['HGET', keys.meta, 'e'])).toBe(renewed);
	});
});

describe('a process writer', () => {
	it('writes while Redis is away wait, in order, and reach Redis once it is back', async () => {
		const heard: string[] = [];
		await subscriber.subscribe(roomKeys('d#1').channel, (message) => heard.push(JSON.parse(message.slice(message.indexOf('[')))[1]));
		const writer = new RedisWriter(redis, 'p5', () => ({ size: 100, age: 60_000 }));
		writer.event('d#1', JSON.stringify(['said', 'before']));
		await eventually(() => expect(heard).toEqual(['before']));
		await server.stopKeepingData();
		for (const text of ['during 1', 'during 2', 'during 3']) writer.event('d#1', JSON.stringify(['said', text]));
		await new Promise((resolve) => setTimeout(resolve, 1500));
		expect(writer.held + (writer.idle ? 0 : 1)).toBeGreaterThan(0);
		await server.start();
		writer.kick();
		// Read from the stream, not the channel: the subscriber may subscribe again only after
		// the writer's first batch was published.
		const texts = async () => {
			const stream = (await redis.sendCommand(['XRANGE', roomKeys('d#1').stream, '-', '+'])) as Array<[string, string[]]>;
			return stream.map(([, fields]) => JSON.parse(fields[1]!)[1] as string);
		};
		await eventually(async () => expect(await texts()).toEqual(['before', 'during 1', 'during 2', 'during 3']), 20_000, 50);
		expect(writer.idle).toBe(true);
		writer.stop();
	}, 40_000);
});
