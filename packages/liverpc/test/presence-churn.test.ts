import { describe, expect, it } from 'vitest';
import { admit, error, join, presence } from 'liverpc/server';
import { eventually, rawConnected, startServer } from './harness.js';
import type { RawSocket } from './support/raw-engine-socket.js';

// Presence churn coalesced (#19): one user cycling joins and leaves on 10 connections made
// every member of the room receive a PRESENCE packet per join and per leave (191/s measured
// against node build). Changes now go at most once per room per window of
// 1000 / presenceUpdatesPerSecond ms, as their net effect, and the members still end with
// exactly the server's list.

const ROUTE = 'teams/[teamId]/room';
const enter = join(({ locals }) => {
	if (!locals.user) error(401, 'Sign in first');
	return admit({ member: { user: locals.user } });
});
const room = { enter, online: presence(enter, ({ member }) => ({ id: member.user.id, name: member.user.name })) };

type Row = [id: string, entry: Record<string, unknown>, connections: number];

/** A member's view of the room's presence, kept as liverpc/client keeps it, from the raw frames. */
function follow(socket: RawSocket, key: string, initial: Row[]) {
	const list = new Map<string, Row>(initial.map((row) => [row[0], row]));
	const packetTimes: number[] = [];
	const apply = () => {
		for (let index = 0; index < socket.frames.length; ) {
			const frame = socket.frames[index]!;
			if (!frame.startsWith('42["p"')) {
				index++;
				continue;
			}
			socket.frames.splice(index, 1);
			const [, room, upserts, removals] = JSON.parse(frame.slice(2)) as [string, string, Row[], string[]];
			expect(room).toBe(key);
			packetTimes.push(Date.now());
			for (const id of removals) list.delete(id);
			for (const row of upserts) list.set(row[0], row);
		}
	};
	return {
		/** Packets received so far (frames not read yet are read first). */
		packets: () => (apply(), packetTimes.length),
		rows: () => (apply(), [...list.values()].map(([id, , connections]) => `${id}×${connections}`))
	};
}

async function joinRoom(socket: RawSocket): Promise<{ room: string; ref: number; presence: Row[] }> {
	const [problem, joined] = (await socket.ask('j', ROUTE, { teamId: 'red' })) as [unknown, { room: string; ref: number; presence: Row[] }];
	expect(problem).toBeNull();
	return joined;
}

/** Joins and leaves on `sockets` as fast as the server answers, for `ms`; leaves `keep` joined at the end. */
async function churn(sockets: RawSocket[], ms: number, keep: number): Promise<number> {
	const until = Date.now() + ms;
	let cycles = 0;
	await Promise.all(
		sockets.map(async (socket, index) => {
			while (Date.now() < until) {
				const { ref } = await joinRoom(socket);
				socket.send(`42["l",${ref}]`);
				cycles++;
			}
			if (index < keep) await joinRoom(socket);
		})
	);
	return cycles;
}

async function measure(limits: Record<string, number>) {
	// Joins (per connection and per user) and leaves unmetered: the churn runs as fast as the server answers, the worst case for members.
	const { url } = await startServer({
		contracts: { [ROUTE]: room },
		limits: { joinsPerSecond: Infinity, joinBurst: Infinity, joinsPerSecondPerUser: Infinity, joinBurstPerUser: Infinity, leavesPerSecond: Infinity, leaveBurst: Infinity, ...limits }
	});
	const bob = await rawConnected(url, 'session=s-bob');
	const joined = await joinRoom(bob);
	const member = follow(bob, joined.room, joined.presence);
	const alice = await Promise.all(Array.from({ length: 10 }, () => rawConnected(url, 'session=s-alice')));

	const started = Date.now();
	const cycles = await churn(alice, 2000, 3);
	const seconds = (Date.now() - started) / 1000;
	const packets = member.packets();
	// What a joiner gets now is the server's list; the member must end with exactly it.
	const late = await rawConnected(url, 'session=s-eve');
	const truth = (await joinRoom(late)).presence.map(([id, , connections]) => `${id}×${connections}`);
	return { packetsPerSecond: packets / seconds, cyclesPerSecond: cycles / seconds, member, truth };
}

describe('presence churn', () => {
	it('sends a member at most presenceUpdatesPerSecond packets per room while one user cycles joins on 10 connections, and it ends with the exact list', async () => {
		const { packetsPerSecond, cyclesPerSecond, member, truth } = await measure({});
		console.log(`[presence churn] ${cyclesPerSecond.toFixed(0)} join+leave cycles/s on 10 connections → ${packetsPerSecond.toFixed(1)} presence packets/s at a member`);
		expect(cyclesPerSecond).toBeGreaterThan(50); // the churn was real
		// The default is 20 a second (a 50 ms window); timers only fire late, never early.
		expect(packetsPerSecond).toBeLessThanOrEqual(25);
		expect(truth).toEqual(['u-bob×1', 'u-alice×3', 'u-eve×1']);
		await eventually(() => expect(member.rows()).toEqual(truth));
	});

	it('sends every change at once with presenceUpdatesPerSecond: Infinity, and still ends with the exact list', async () => {
		const { packetsPerSecond, cyclesPerSecond, member, truth } = await measure({ presenceUpdatesPerSecond: Infinity });
		console.log(`[presence churn, uncoalesced] ${cyclesPerSecond.toFixed(0)} join+leave cycles/s on 10 connections → ${packetsPerSecond.toFixed(1)} presence packets/s at a member`);
		// One packet per count change: about two per cycle.
		expect(packetsPerSecond).toBeGreaterThan(cyclesPerSecond);
		expect(truth).toEqual(['u-bob×1', 'u-alice×3', 'u-eve×1']);
		await eventually(() => expect(member.rows()).toEqual(truth));
	});
});
