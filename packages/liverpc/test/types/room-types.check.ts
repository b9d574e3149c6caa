// Type-level tests, checked by `tsc --noEmit` in `npm test` (never run). Each
// `@ts-expect-error` fails the check if the line below it stops being an error, so these
// prove that wrong inputs, outputs and payloads are compile errors.
import * as v from 'valibot';
import { createClient, type Room, type WireValue } from 'liverpc/client';
import { call, event, join, type RoomCall, type RoomEvent, type RoomJoin } from 'liverpc/server';
import type * as chat from '../fixtures/routes/rooms/[roomId]/chat.socket.js';
import type * as notes from '../fixtures/routes/notes/notes.socket.js';
import type { ChatMessage } from '../fixtures/store.js';

declare const chatRoom: Room<typeof chat>;
declare const notesRoom: Room<typeof notes>;

// Call inputs follow the schema's input type.
void chatRoom.send({ text: 'hello' });
// @ts-expect-error text must be a string
void chatRoom.send({ text: 42 });
// @ts-expect-error text is required
void chatRoom.send({});
// @ts-expect-error the call takes an input
void chatRoom.send();
// @ts-expect-error zod schema: tags is a string array
void notesRoom.add({ title: 'x', tags: [1] });
// A call without a schema takes no input.
void notesRoom.ping();
// @ts-expect-error ping takes no input
void notesRoom.ping('hello');
// @ts-expect-error not a call of this contract
void chatRoom.nope();
// Events and joins are not call methods.
// @ts-expect-error message is an event
void chatRoom.message;

// Call outputs are the handler's awaited return type.
async function outputs() {
	const saved: ChatMessage = await chatRoom.send({ text: 'x' });
	const pong: string = await notesRoom.ping();
	// @ts-expect-error send resolves to a ChatMessage, not a string
	const wrong: string = await chatRoom.send({ text: 'x' });
	return [saved, pong, wrong];
}
void outputs;

// Event listeners get the declared payload type, and only declared events exist.
chatRoom.on('message', (m) => m.text.toUpperCase());
// @ts-expect-error a ChatMessage has no 'body'
chatRoom.on('message', (m) => m.body);
// @ts-expect-error no event named 'typing'
chatRoom.on('typing', () => {});
// @ts-expect-error send is a call, not an event
chatRoom.on('send', () => {});

// The join reply is typed; a contract without join has an undefined reply.
const history: ChatMessage[] | undefined = chatRoom.joined?.history;
const none: undefined = notesRoom.joined;
void history;
void none;

// Emitting a wrong payload type is a compile error on the server too.
const message = event<ChatMessage>();
message.emit({ seq: 1, roomId: '1', userId: 'u', text: 'ok' });
// @ts-expect-error text must be a string
message.emit({ seq: 1, roomId: '1', userId: 'u', text: 1 });
// @ts-expect-error missing fields
message.to({ roomId: '1' }).emit({ text: 'x' });
// A push to one user's connections is typed like the event.
message.toKey('user:u').emit({ seq: 1, roomId: '1', userId: 'u', text: 'ok' });
// @ts-expect-error text must be a string
message.toKey('user:u').emit({ seq: 1, roomId: '1', userId: 'u', text: 1 });
// @ts-expect-error a key is a string
message.toKey(42);

// Handlers receive the schema's output type and the typed event.
call(v.object({ n: v.number() }), ({ n }, { locals, params }) => {
	const doubled: number = n * 2;
	// @ts-expect-error n is a number
	const text: string = n;
	// @ts-expect-error locals only has what App.SocketLocals declares
	void locals.password;
	return [doubled, text, params.roomId];
});
join(({ locals }) => locals.user?.tenantId);

// The room handle takes a client-side contract module only.
const client = createClient({ url: 'http://127.0.0.1:1' });
const typed = client.live({} as typeof chat, { roomId: '1' });
void typed.status;
// @ts-expect-error status is read-only
typed.status = 'joined';

// An event's `id` names a string or number field of its payload, and `history` returns
// payloads of that event (#9); a room handle says whether its last re-join was complete.
event<ChatMessage>({ id: 'seq', history: ({ lastEventId }) => (typeof lastEventId === 'number' ? [] : []) });
event<ChatMessage>({ id: 'text' });
// @ts-expect-error no such field
event<ChatMessage>({ id: 'sequence' });
// @ts-expect-error a payload with no string or number field cannot be tracked
event<{ tags: string[] }>({ id: 'tags' });
// @ts-expect-error history returns the event's payloads
event<ChatMessage>({ id: 'seq', history: () => [{ text: 'x' }] });
// @ts-expect-error an event without options has no history
event<ChatMessage>({ history: () => [] });
const resumed: boolean = chatRoom.resumed;
void resumed;
// The client's own limits: every call's overall timeout (#19), and the calls that wait for a (re-)join.
createClient({ url: 'http://127.0.0.1:1', callTimeout: 10_000, maxHeldCalls: 20 });
// Infinity turns the call timeout off.
createClient({ url: 'http://127.0.0.1:1', callTimeout: Infinity });
// @ts-expect-error callTimeout is a number of milliseconds
createClient({ url: 'http://127.0.0.1:1', callTimeout: '10s' });
// A history that cannot give everything says so; what it returns is still the payload type.
event<ChatMessage>({ id: 'seq', history: () => ({ events: [], complete: false }) });
// @ts-expect-error the events of a page are payloads too
event<ChatMessage>({ id: 'seq', history: () => ({ events: [{ text: 'x' }], complete: false }) });

// #11: the page's types say what arrives over the socket, not what the server declared.
interface Sent {
	at: Date;
	tags: Set<string>;
	byUser: Map<string, number>;
	note: string | undefined;
	optional?: number;
	onClick: () => void;
	list: Array<Date | undefined>;
	pair: [Date, number];
}
declare const wireRoom: Room<{
	stats: RoomCall<void, Sent>;
	nothing: RoomCall<void, undefined>;
	maybe: RoomCall<{ n: number } | undefined, number>;
	changed: RoomEvent<{ at: Date }>;
	enter: RoomJoin<{ since: Date }>;
}>;
async function wire() {
	const sent = await wireRoom.stats();
	const at: string = sent.at;
	// @ts-expect-error a Date arrives as its ISO string
	const date: Date = sent.at;
	const tags: Record<string, never> = sent.tags;
	// @ts-expect-error a Set arrives as {}
	sent.tags.has('x');
	// @ts-expect-error a Map arrives as {}
	sent.byUser.get('x');
	// A field holding undefined is left out: it may be missing.
	const note: string | undefined = sent.note;
	// @ts-expect-error so it is optional, not a required string | undefined
	const required: { note: string | undefined } = sent;
	// @ts-expect-error functions are left out
	sent.onClick();
	const list: Array<string | null> = sent.list;
	const pair: [string, number] = sent.pair;
	// undefined as the whole value arrives as null.
	const nothing: null = await wireRoom.nothing();
	wireRoom.on('changed', (payload) => {
		const changedAt: string = payload.at;
		void changedAt;
	});
	const since: string | undefined = wireRoom.joined?.since;
	return [at, date, tags, note, required, list, pair, nothing, since, sent.optional];
}
void wire;
type Big = WireValue<{ id: bigint }>;
// @ts-expect-error a bigint cannot be sent (JSON.stringify throws)
const big: Big = { id: 1n };
void big;

// A call whose input may be undefined takes no argument, or its input.
void wireRoom.maybe();
void wireRoom.maybe({ n: 1 });
// @ts-expect-error the input is still checked when given
void wireRoom.maybe({ n: 'one' });

// An error body has the fields LiveRPC sends and those the app declares in App.SocketErrorBody.
const code: string | undefined = chatRoom.error?.code;
void code;
// @ts-expect-error a misspelled field is a compile error: no index signature
void chatRoom.error?.mesage;

// live() takes a room contract module, and says so for anything else (#11).
import { live } from 'liverpc/client';
declare const chatModule: typeof chat;
void live(chatModule, { roomId: '1' }).send({ text: 'typed through live()' });
// @ts-expect-error Math is not a room contract module
void live(Math);
// @ts-expect-error an empty object is not one either
void client.live({});
