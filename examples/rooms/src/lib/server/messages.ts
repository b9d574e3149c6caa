import type { ChatMessage, SessionUser } from '$lib/types';
import { db } from './db';

// Chat messages of tenant rooms and of the lobby (room id LOBBY_ID from ./db).

type MessageRow = { id: number; room_id: string; user_id: string; user_name: string; text: string; created_at: string; request_key: string | null };

let statements: ReturnType<typeof prepare> | undefined;

function prepare() {
	const connection = db();
	return {
		// Newest first so LIMIT keeps the most recent ones; latest() turns them around.
		latest: connection.prepare<[string, number], MessageRow>(
			`SELECT messages.id, messages.room_id, messages.user_id, users.name AS user_name, messages.text, messages.created_at, messages.request_key
			FROM messages JOIN users ON users.id = messages.user_id
			WHERE messages.room_id = ?
			ORDER BY messages.id DESC
			LIMIT ?`
		),
		// The newest `?` after an id, newest first: since() turns them around.
		newestAfter: connection.prepare<[string, number, number], MessageRow>(
			`SELECT messages.id, messages.room_id, messages.user_id, users.name AS user_name, messages.text, messages.created_at, messages.request_key
			FROM messages JOIN users ON users.id = messages.user_id
			WHERE messages.room_id = ? AND messages.id > ?
			ORDER BY messages.id DESC
			LIMIT ?`
		),
		// The newest `?` before an id, newest first: since() turns them around.
		newestBefore: connection.prepare<[string, number, number], MessageRow>(
			`SELECT messages.id, messages.room_id, messages.user_id, users.name AS user_name, messages.text, messages.created_at
			FROM messages JOIN users ON users.id = messages.user_id
			WHERE messages.room_id = ? AND messages.id < ?
			ORDER BY messages.id DESC
			LIMIT ?`
		),
		// A second copy of a keyed message changes nothing (0 changes), and is then found.
		insert: connection.prepare<[string, string, string, string, string | null]>(
			'INSERT INTO messages (room_id, user_id, text, created_at, request_key) VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id, request_key) DO NOTHING'
		),
		byRequest: connection.prepare<[string, string], MessageRow>(
			`SELECT messages.id, messages.room_id, messages.user_id, users.name AS user_name, messages.text, messages.created_at, messages.request_key
			FROM messages JOIN users ON users.id = messages.user_id
			WHERE messages.user_id = ? AND messages.request_key = ?`
		)
	};
}

function sql() {
	return (statements ??= prepare());
}

/**
 * How many messages a member that comes back is sent at most when LiveRPC's own cap
 * (`limits.maxJoinEvents`, handed to `history` as `limit`, 500 by default) is turned off.
 */
const MAX_MISSED = 2000;

function toMessage(row: MessageRow): ChatMessage {
	const message: ChatMessage = { id: row.id, roomId: row.room_id, userId: row.user_id, userName: row.user_name, text: row.text, createdAt: row.created_at };
	if (row.request_key !== null) message.key = row.request_key;
	return message;
}

/** The last `n` messages of a room, oldest first, the order a chat reads. */
export function latest(roomId: string, n: number): ChatMessage[] {
	return sql().latest.all(roomId, n).reverse().map(toMessage);
}

/**
 * What a member of a room should be given when it joins, as the `history` of the `message`
 * event: the 50 latest on a first join, and everything after the last message it has when
 * it comes back (from a restart of the server too). A gap of more than `limit` (what one
 * join delivers at most, from LiveRPC) gives the newest `limit` and `complete: false`, which
 * the page shows as a gap: the query reads `limit + 1` rows at most, whatever the gap.
 * `lastId` came from the browser, so it is only used if it is a number, as a query parameter.
 *
 * With `before` ("Load earlier messages"), the page of the `limit` messages before that id
 * instead, and `complete: false` while there are older ones still. `before` came from the
 * browser too: a message id is a number, anything else finds nothing.
 */
export function since(roomId: string, lastId: unknown, limit: number, before?: unknown): ChatMessage[] | { events: ChatMessage[]; complete: boolean } {
	const max = Math.min(limit, MAX_MISSED);
	if (before !== undefined) return typeof before === 'number' ? earlier(roomId, before, max) : { events: [], complete: true };
	if (typeof lastId !== 'number') return latest(roomId, Math.min(50, max));
	const missed = sql().newestAfter.all(roomId, lastId, max + 1);
	// Newest first: past `max`, the oldest row read is the one left out.
	const events = missed.slice(0, max).reverse().map(toMessage);
	return missed.length > max ? { events, complete: false } : events;
}

/**
 * The `count` messages of a room just before message `beforeId`, oldest first, and whether
 * they reach back to its first (`complete`): one row more is read to tell.
 */
export function earlier(roomId: string, beforeId: number, count: number): { events: ChatMessage[]; complete: boolean } {
	const rows = sql().newestBefore.all(roomId, beforeId, count + 1);
	return { events: rows.slice(0, count).reverse().map(toMessage), complete: rows.length <= count };
}

/**
 * Saves a message and returns it, with `created: false` when the same user already sent a
 * message under `requestKey` (a copy sent again after a lost reply): that one is returned
 * and nothing is stored twice. The write is synchronous, so by the time anyone is told about
 * the message (a call's reply, a live event) it is on disk and in every later history.
 */
export function add(roomId: string, user: SessionUser, text: string, requestKey?: string): { message: ChatMessage; created: boolean } {
	const createdAt = new Date().toISOString();
	const { changes, lastInsertRowid } = sql().insert.run(roomId, user.id, text, createdAt, requestKey ?? null);
	if (changes === 0 && requestKey !== undefined) {
		const first = sql().byRequest.get(user.id, requestKey);
		if (first) return { message: toMessage(first), created: false };
	}
	const message: ChatMessage = { id: Number(lastInsertRowid), roomId, userId: user.id, userName: user.name, text, createdAt };
	if (requestKey !== undefined) message.key = requestKey;
	return { message, created: true };
}
