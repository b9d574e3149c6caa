// Type-level tests for #11 parts 1 and 2, checked by `tsc --noEmit` under
// `noUncheckedIndexedAccess` (never run). Each `@ts-expect-error` fails the check when the
// line below it stops being an error.
//
// The builders are declared here exactly as the Vite plugin's `./$socket` declarations
// declare them for a folder; test/route-types.test.ts checks those files themselves.
import * as v from 'valibot';
import { createClient, live, type ParamsOf } from 'liverpc/client';
import {
	admit,
	error,
	type CallBuilder,
	type EventBuilder,
	type JoinBuilder,
	type RoomParamsOf
} from 'liverpc/server';

// What a folder's name gives.
type Expect<T extends true> = T;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export type Cases = [
	Expect<Same<RoomParamsOf<'rooms/[roomId]'>, { roomId: string }>>,
	Expect<Same<RoomParamsOf<'rooms/[roomId]/chat'>, { roomId: string }>>,
	Expect<Same<RoomParamsOf<''>, {}>>,
	Expect<Same<RoomParamsOf<'lobby'>, {}>>,
	Expect<Same<RoomParamsOf<'[[lang]]/docs/[...path]'>, { lang?: string; path: string }>>,
	Expect<Same<RoomParamsOf<'(app)/trips/[from]-[to]'>, { from: string; to: string }>>,
	Expect<Same<RoomParamsOf<'items/[id=integer]'>, { id: string }>>
];

// rooms/[roomId]/chat.socket.ts, importing from './$socket'.
type ChatParams = RoomParamsOf<'rooms/[roomId]'>;
declare const join: JoinBuilder<ChatParams>;
declare const call: CallBuilder<ChatParams>;
declare const event: EventBuilder<ChatParams>;

interface User {
	id: string;
	tenantId: string;
}
declare const signedIn: User | undefined;

const chat = {
	message: event<{ id: number; text: string }>({
		id: 'id',
		history: ({ params }) => {
			const roomId: string = params.roomId;
			// @ts-expect-error a misspelled param is a compile error in a contract
			void params.roomid;
			return roomId ? [] : [];
		}
	}),
	enter: join(({ params }) => {
		// Not `string | undefined`, though noUncheckedIndexedAccess is on.
		const roomId: string = params.roomId;
		// @ts-expect-error a misspelled param is a compile error in a contract
		void params.roomid;
		if (!signedIn) error(401, 'Sign in');
		return admit({ member: { user: signedIn }, reply: { roomId } });
	}),
	ping: call(({ params }) => params.roomId),
	// @ts-expect-error a misspelled param is a compile error in a call too
	typo: call(v.string(), (_text, { params }) => params.room)
};

// The member context: what the guard admitted with reaches calls declared with it, typed.
const send = call(chat.enter, v.object({ text: v.string() }), ({ text }, { member, params }) => {
	// No `!` and no second check: the guard admitted a signed-in user.
	const user: User = member.user;
	// @ts-expect-error the member has what the guard gave it, nothing else
	void member.session;
	return { text, by: user.id, room: params.roomId };
});
const whoami = call(chat.enter, ({ member }) => member.user.tenantId);
// A guard that does not admit gives its calls no member to read.
const open = join(() => ({ topic: 'General' }));
call(open, ({ member }) => {
	const none: undefined = member;
	return none;
});
// The join reply the page reads is admit()'s reply, not the member.
const contract = { ...chat, send, whoami };
declare const page: ReturnType<typeof live<typeof contract>>;
const joinedRoom: string | undefined = page.joined?.roomId;
// @ts-expect-error the member stays on the server
void page.joined?.member;
void joinedRoom;

// In a page: live() takes exactly the folder's params.
type Checked = Expect<Same<ParamsOf<typeof contract>, { roomId: string }>>;
void live(contract, { roomId: '42' });
// @ts-expect-error a missing param is a compile error in a page
void live(contract);
// @ts-expect-error so is a misspelled one
void live(contract, { roomid: '42' });
// @ts-expect-error and a param of another folder
void live(contract, { roomId: '42', tenant: 'acme' });
// @ts-expect-error params are strings
void live(contract, { roomId: 42 });
const client = createClient({ url: 'http://127.0.0.1:1' });
// @ts-expect-error the same on a client of one's own
void client.live(contract, {});

// In a form action (or any server code): to() takes the folder's params too.
declare const actionParams: { roomId: string };
chat.message.to({ roomId: actionParams.roomId }).emit({ id: 1, text: 'posted' });
// @ts-expect-error a missing param is a compile error in a form action
chat.message.to({}).emit({ id: 1, text: 'posted' });
// @ts-expect-error so is a misspelled one
chat.message.to({ roomid: actionParams.roomId }).emit({ id: 1, text: 'posted' });

// A folder without params: live() needs none; optional and rest params are typed as such.
declare const lobbyEvent: EventBuilder<RoomParamsOf<'lobby'>>;
const lobby = { message: lobbyEvent<{ text: string }>() };
void live(lobby);
declare const docsJoin: JoinBuilder<RoomParamsOf<'[[lang]]/docs/[...path]'>>;
const docs = { enter: docsJoin(({ params }) => params.lang ?? params.path) };
void live(docs, { path: 'guide/intro' });
void live(docs, { lang: 'fr', path: 'guide/intro' });
// @ts-expect-error the rest param is required
void live(docs, { lang: 'fr' });

// Builders of liverpc/server itself keep any string params (no folder to read).
import { join as plainJoin } from 'liverpc/server';
const plain = { enter: plainJoin(({ params }) => params.anything) };
void live(plain, { anything: 'x' });
void live(plain);
export type Used = [Checked, typeof whoami];

// Presence (#12): entries typed from what presence() returns, with their connection count;
// an entry needs an id.
import { type PresenceBuilder } from 'liverpc/server';
declare const presence: PresenceBuilder<ChatParams>;
const withPresence = {
	enter: chat.enter,
	online: presence(chat.enter, ({ member, params }) => ({ id: member.user.id, tenant: member.user.tenantId, room: params.roomId }))
};
declare const presenceRoom: ReturnType<typeof live<typeof withPresence>>;
for (const entry of presenceRoom.presence) {
	const tabs: number = entry.connections;
	const tenant: string = entry.tenant;
	// @ts-expect-error an entry has what presence() returned, nothing else
	void entry.name;
	void [tabs, tenant];
}
// @ts-expect-error an entry without an id cannot be one
presence(() => ({ name: 'anonymous' }));
// A room without presence() has an empty list of nothing.
const none: ReadonlyArray<never> = page.presence;
void none;
