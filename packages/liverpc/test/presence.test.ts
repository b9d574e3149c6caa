import { describe, expect, it } from 'vitest';
import { admit, error, join, presence, revoke } from 'liverpc/server';
import { connect, eventually, rawConnected, startServer } from './harness.js';

// #12, presence in one process, over real sockets: entries built on the server from locals,
// one per user however many tabs (with a count), the whole list on join, then diffs only.
type Entry = { id: string; name: string };
function teamRoom(describe: (user: { id: string; name: string }) => Entry = (user) => ({ id: user.id, name: user.name })) {
	const enter = join(({ locals }) => {
		if (!locals.user) error(401, 'Sign in first');
		return admit({ member: { user: locals.user } });
	});
	const online = presence(enter, ({ member }) => describe(member.user));
	return { enter, online };
}
const names = (room: { presence: ReadonlyArray<{ name: string; connections: number }> }) =>
	room.presence.map((entry) => `${entry.name}×${entry.connections}`);

describe('presence', () => {
	it('shows one entry per user with a connection count, on every member, as users come and go', async () => {
		const room = teamRoom();
		const { url } = await startServer({ contracts: { 'teams/[teamId]/room': room } });
		const aliceTab1 = connect(url, 'session=s-alice').live(room, { teamId: 'red' });
		await eventually(() => expect(names(aliceTab1)).toEqual(['Alice×1']));
		const bob = connect(url, 'session=s-bob').live(room, { teamId: 'red' });
		await eventually(() => expect(names(bob)).toEqual(['Alice×1', 'Bob×1']));
		await eventually(() => expect(names(aliceTab1)).toEqual(['Alice×1', 'Bob×1']));

		const aliceTab2Client = connect(url, 'session=s-alice');
		const aliceTab2 = aliceTab2Client.live(room, { teamId: 'red' });
		await eventually(() => expect(names(bob)).toEqual(['Alice×2', 'Bob×1']));
		expect(names(aliceTab2)).toEqual(['Alice×2', 'Bob×1']);
		// Another room of the same contract has a presence of its own.
		const blue = connect(url, 'session=s-eve').live(room, { teamId: 'blue' });
		await eventually(() => expect(names(blue)).toEqual(['Eve×1']));
		expect(names(bob)).toEqual(['Alice×2', 'Bob×1']);

		aliceTab2Client.close(); // a tab closed: its connection goes
		await eventually(() => expect(names(bob)).toEqual(['Alice×1', 'Bob×1']));
		aliceTab1.leave();
		await eventually(() => expect(names(bob)).toEqual(['Bob×1']));
	});

	it('sends a joiner the whole list and the others only what changed', async () => {
		const room = teamRoom();
		const { url } = await startServer({ contracts: { 'teams/[teamId]/room': room } });
		const watcher = await rawConnected(url, 'session=s-alice');
		const [problem, joined] = (await watcher.ask('j', 'teams/[teamId]/room', { teamId: 'red' })) as [unknown, { room: string; presence: unknown }];
		expect(problem).toBeNull();
		expect(joined.presence).toEqual([['u-alice', { id: 'u-alice', name: 'Alice' }, 1]]);

		const bob = connect(url, 'session=s-bob').live(room, { teamId: 'red' });
		const arrived = await watcher.next((frame) => frame.startsWith('42["p"'));
		expect(JSON.parse(arrived.slice(2))).toEqual(['p', joined.room, [['u-bob', { id: 'u-bob', name: 'Bob' }, 1]], []]);
		bob.leave();
		const left = await watcher.next((frame) => frame.startsWith('42["p"'));
		expect(JSON.parse(left.slice(2))).toEqual(['p', joined.room, [], ['u-bob']]);
	});

	it('builds entries only on the server: a presence packet from a client changes nothing', async () => {
		const room = teamRoom();
		const { url } = await startServer({ contracts: { 'teams/[teamId]/room': room } });
		const bob = connect(url, 'session=s-bob').live(room, { teamId: 'red' });
		await eventually(() => expect(names(bob)).toEqual(['Bob×1']));
		const attacker = await rawConnected(url, 'session=s-alice');
		const [, joined] = (await attacker.ask('j', 'teams/[teamId]/room', { teamId: 'red' })) as [unknown, { room: string }];
		await eventually(() => expect(names(bob)).toEqual(['Bob×1', 'Alice×1']));
		attacker.send(`42["p","${joined.room}",[["u-mallory",{"id":"u-mallory","name":"Mallory"},9]],["u-bob"]]`);
		// The packet gate refuses an event the server does not serve; bob's list is untouched.
		const check = connect(url, 'session=s-eve').live(room, { teamId: 'red' });
		await eventually(() => expect(names(check)).toEqual(['Bob×1', 'Alice×1', 'Eve×1']));
		// Eve's arrival reaches bob with the room's next presence packet (coalesced, #19).
		await eventually(() => expect(names(bob)).toEqual(['Bob×1', 'Alice×1', 'Eve×1']));
	});

	it('drops the entries of a connection that is revoked or cut off', async () => {
		const room = teamRoom();
		const { url } = await startServer({ contracts: { 'teams/[teamId]/room': room } });
		const bob = connect(url, 'session=s-bob').live(room, { teamId: 'red' });
		const alice = await rawConnected(url, 'session=s-alice');
		await alice.ask('j', 'teams/[teamId]/room', { teamId: 'red' });
		await eventually(() => expect(names(bob)).toEqual(['Bob×1', 'Alice×1']));
		alice.close(); // the network goes, no leave sent
		await eventually(() => expect(names(bob)).toEqual(['Bob×1']));
		const eve = connect(url, 'session=s-eve').live(room, { teamId: 'red' });
		await eventually(() => expect(names(bob)).toEqual(['Bob×1', 'Eve×1']));
		expect(await revoke('user:u-eve')).toBe(1);
		// Eve's tab reconnects and joins again: the entry stays one, never two.
		await eventually(() => expect(names(bob)).toEqual(['Bob×1', 'Eve×1']));
		expect(eve.status).not.toBe('rejected');
	});

	it('refuses a join whose entry has no id with a 500, tracking nothing, and serves the others', async () => {
		// What a buggy describe returns at run time, whatever its types say.
		const room = teamRoom((user) => (user.id === 'u-alice' ? ({ name: 'no id' } as unknown as Entry) : { id: user.id, name: user.name }));
		const { url } = await startServer({ contracts: { 'teams/[teamId]/room': room } });
		const bob = connect(url, 'session=s-bob').live(room, { teamId: 'red' });
		const alice = connect(url, 'session=s-alice').live(room, { teamId: 'red' });
		await eventually(() => expect(alice.status).toBe('rejected'), 5000);
		expect(alice.error).toMatchObject({ status: 500, message: 'Internal Error' });
		expect(names(bob)).toEqual(['Bob×1']);
	});
});
