import { expect, it } from 'vitest';
import { getClient, live, LiveError } from 'liverpc/client';

// What the Vite plugin gives the browser for a contract: markers only, no server code.
const chatStub = {
	message: { '~liverpc': { kind: 'event', route: 'rooms/[roomId]/chat', name: 'message' } },
	send: { '~liverpc': { kind: 'call', route: 'rooms/[roomId]/chat', name: 'send' } }
} as const;

it('never connects while a page renders on the server, and shows the state hydration starts from', async () => {
	expect(typeof window).toBe('undefined'); // this runs in plain Node, like SSR
	const room = live(chatStub, { roomId: '1' });
	expect(room.status).toBe('joining');
	expect(room.joined).toBeUndefined();
	expect(getClient().status).toBe('connecting');
	const failure = await (room as unknown as { send(input: unknown): Promise<unknown> }).send({ text: 'x' }).catch((error: unknown) => error);
	expect(failure).toBeInstanceOf(LiveError);
	expect((failure as LiveError).status).toBe(503);
	room.leave();
});

it('refuses a module that is not a room contract', () => {
	// Both are compile errors too (type tests); here they are checked at run time.
	expect(() => live({ helper: () => 1 } as never)).toThrow(/room contract module/);
	// The real module in a page (the Vite plugin missing): its markers have no route id.
	expect(() => live({ send: { '~liverpc': { kind: 'call' } } })).toThrow(/no route id yet\. In a page the Vite plugin gives it: is liverpc\(\) from 'liverpc\/vite' in vite\.config plugins/);
});
