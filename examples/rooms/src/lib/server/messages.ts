import type { ChatMessage, SessionUser } from '$lib/types';
import { db } from './db';

// Chat messages of tenant rooms and of the lobby (room id LOBBY_ID from ./db).

type MessageRow = { id: number; room_id: string; user_id: string; user_name: string; text: string; created_at: string };

let statements: ReturnType<typeof prepare> | undefined;

function prepare() {
	const connection = db();
	return {
		// Newest first so LIMIT keeps the most recent ones; latest() turns them around.
		latest: connection.prepare<[string, number], MessageRow>(
			`SELECT messages.id, messages.room_id, messages.user_id, users.name AS user_name, messages.text, messages.created_at
			FROM messages JOIN users ON users.id = messages.user_id
			WHERE messages.room_id = ?
			ORDER BY messages.id DESC
			LIMIT ?`
		),
		insert: connection.prepare<[string, string, string, string]>(
			'INSERT INTO messages (room_id, user_id, text, created_at) VALUES (?, ?, ?, ?)'
		)
	};
}

function sql() {
	return (statements ??= prepare());
}

/** The last `n` messages of a room, oldest first, the order a chat reads. */
export function latest(roomId: string, n: number): ChatMessage[] {
	return sql()
		.latest.all(roomId, n)
		.reverse()
		.map((row) => ({
			id: row.id,
			roomId: row.room_id,
			userId: row.user_id,
			userName: row.user_name,
			text: row.text,
			createdAt: row.created_at
		}));
}

/**
 * Saves a message and returns it. The write is synchronous, so by the time anyone is told
 * about the message (a call's reply, a live event) it is on disk and in every later history.
 */
export function add(roomId: string, user: SessionUser, text: string): ChatMessage {
	const createdAt = new Date().toISOString();
	const { lastInsertRowid } = sql().insert.run(roomId, user.id, text, createdAt);
	return { id: Number(lastInsertRowid), roomId, userId: user.id, userName: user.name, text, createdAt };
}
