import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { admit, call, error, join, type JoinBuilder, type CallBuilder, type RoomParamsOf } from 'liverpc/server';
import { connect, eventually, rejection, startServer } from './harness.js';

// #11, part 2: what the join guard admits a connection with reaches the room's calls declared
// with it, `call(enter, …)`, as `event.member`, over a real socket. The builders are typed as
// `./$socket` types them for a folder `teams/[teamId]`.
const typedJoin = join as JoinBuilder<RoomParamsOf<'teams/[teamId]'>>;
const typedCall = call as CallBuilder<RoomParamsOf<'teams/[teamId]'>>;

function teamRoom() {
	const admitted: string[] = [];
	const enter = typedJoin(({ params, locals }) => {
		if (!locals.user) error(401, 'Sign in first');
		admitted.push(params.teamId);
		return admit({ member: { userId: locals.user.id, joinedAt: admitted.length }, reply: { teamId: params.teamId } });
	});
	return {
		admitted,
		contract: {
			enter,
			whoami: typedCall(enter, ({ member, params }) => ({ user: member.userId, team: params.teamId, joinedAt: member.joinedAt })),
			rename: typedCall(enter, v.object({ name: v.string() }), ({ name }, { member }) => `${member.userId} is now ${name}`)
		}
	};
}

describe('member context (call(enter, …))', () => {
	it("hands each membership's calls what its guard admitted, and only the reply to the page", async () => {
		const { contract, admitted } = teamRoom();
		const { url } = await startServer({ contracts: { 'teams/[teamId]/room': contract } });
		const alice = connect(url, 'session=s-alice').live(contract, { teamId: 'red' });
		const eve = connect(url, 'session=s-eve').live(contract, { teamId: 'blue' });
		await eventually(() => expect([alice.status, eve.status]).toEqual(['joined', 'joined']));
		expect(alice.joined).toEqual({ teamId: 'red' });
		expect(admitted.sort()).toEqual(['blue', 'red']);

		const [aliceIs, eveIs] = await Promise.all([alice.whoami(), eve.whoami()]);
		expect(aliceIs).toMatchObject({ user: 'u-alice', team: 'red' });
		expect(eveIs).toMatchObject({ user: 'u-eve', team: 'blue' });
		expect(await alice.rename({ name: 'Al' })).toBe('u-alice is now Al');
	});

	it('refuses to register a call declared with a join the contract does not export', async () => {
		const { contract } = teamRoom();
		const other = join(() => admit({ member: { userId: 'forged' } }));
		const borrowed = { enter: contract.enter, whoami: call(other, ({ member }) => member.userId) };
		await expect(startServer({ contracts: { 'teams/[teamId]/room': borrowed } })).rejects.toThrow(
			/call 'whoami' was declared with a join\(\) this file does not export/
		);
	});

	it('keeps a refused join refused: the calls are never reached', async () => {
		const { contract } = teamRoom();
		const { url } = await startServer({ contracts: { 'teams/[teamId]/room': contract } });
		const anonymous = connect(url).live(contract, { teamId: 'red' });
		await eventually(() => expect(anonymous.status).toBe('rejected'));
		expect((await rejection(anonymous.whoami())).status).toBe(401);
	});
});

describe('presence(enter, …)', () => {
	it('refuses to register a presence declared with a join the contract does not export', async () => {
		const { presence } = await import('liverpc/server');
		const { contract } = teamRoom();
		const other = join(() => admit({ member: { userId: 'forged' } }));
		const borrowed = { enter: contract.enter, online: presence(other, ({ member }) => ({ id: member.userId })) };
		await expect(startServer({ contracts: { 'teams/[teamId]/room': borrowed } })).rejects.toThrow(
			/presence\(\) was declared with a join\(\) this file does not export/
		);
	});
});
