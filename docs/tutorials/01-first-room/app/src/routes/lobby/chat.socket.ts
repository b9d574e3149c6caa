// The room `lobby/chat`: this file's path under src/routes, without `.socket.ts`.
// `./$socket` is liverpc/server with `params` typed from the folder's name (lobby has none).
import { call, error, event, join, type StandardSchema } from './$socket';

/** Pushed by the server to everyone in the room. */
export const message = event<{ name: string; text: string }>();

// Runs on every join. The lobby is open to all, so it admits everyone and replies with the
// name the socket hook found, which the page reads as `room.joined`.
export const enter = join(({ locals }) => ({ name: locals.name }));

// A call takes input only through a Standard Schema, the interface valibot and zod
// implement. This one is written by hand, so a first room needs no library.
const sendInput: StandardSchema<{ text: string }> = {
	'~standard': {
		version: 1,
		vendor: 'lobby',
		validate: (input) => {
			const text = (input as { text?: unknown } | null)?.text;
			return typeof text === 'string' ? { value: { text } } : { issues: [{ message: 'Send { text: string }', path: ['text'] }] };
		}
	}
};

// The name comes from `locals`, never from the input: a member cannot post as someone else.
export const send = call(sendInput, ({ text }, { locals }) => {
	if (text.trim() === '') error(400, 'Write a message');
	const sent = { name: locals.name, text };
	message.emit(sent);
	return sent;
});
