import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { SessionUser } from '$lib/types';
import { db, PASSWORD_KEY_LENGTH } from './db';

// Sessions are rows keyed by the hash of the cookie value: the cookie is the only copy of a
// usable id, so reading the database (a backup, a leak) does not let anyone sign in.

/** How long a sign-in lasts; the login action gives the cookie the same lifetime. */
export const SESSION_MAX_AGE_SECONDS = 60 * 60 * 24 * 7;

// The async scrypt runs on libuv's thread pool, so a sign-in does not stall every socket.
const scryptAsync = promisify(scrypt) as (password: string, salt: string, length: number) => Promise<Buffer>;

// Compared against when the username is unknown, so both failures take the same time.
const DUMMY_SALT = randomBytes(16).toString('hex');
const DUMMY_HASH = Buffer.alloc(PASSWORD_KEY_LENGTH);

type UserRow = { id: string; name: string; tenant_id: string; password_hash: string; password_salt: string };
type SessionRow = { id: string; name: string; tenant_id: string; expires_at: number };

let statements: ReturnType<typeof prepare> | undefined;

// Prepared once, on first use, for the same reason db() opens lazily.
function prepare() {
	const connection = db();
	return {
		user: connection.prepare<[string], UserRow>(
			'SELECT id, name, tenant_id, password_hash, password_salt FROM users WHERE id = ?'
		),
		insert: connection.prepare<[string, string, number]>(
			'INSERT INTO sessions (id_hash, user_id, expires_at) VALUES (?, ?, ?)'
		),
		find: connection.prepare<[string, number], SessionRow>(
			`SELECT users.id, users.name, users.tenant_id, sessions.expires_at
			FROM sessions JOIN users ON users.id = sessions.user_id
			WHERE sessions.id_hash = ? AND sessions.expires_at > ?`
		),
		delete: connection.prepare<[string]>('DELETE FROM sessions WHERE id_hash = ?'),
		deleteExpired: connection.prepare<[number]>('DELETE FROM sessions WHERE expires_at <= ?')
	};
}

function sql() {
	return (statements ??= prepare());
}

function hashId(sessionId: string): string {
	return createHash('sha256').update(sessionId).digest('hex');
}

/** The user whose username and password these are, or undefined. */
export async function verifyLogin(username: string, password: string): Promise<SessionUser | undefined> {
	const row = sql().user.get(username);
	const expected = row ? Buffer.from(row.password_hash, 'hex') : DUMMY_HASH;
	const actual = await scryptAsync(password, row?.password_salt ?? DUMMY_SALT, PASSWORD_KEY_LENGTH);
	// timingSafeEqual: how long the comparison takes says nothing about the stored hash.
	if (!row || expected.length !== actual.length || !timingSafeEqual(expected, actual)) return undefined;
	return { id: row.id, name: row.name, tenantId: row.tenant_id };
}

/** Starts a session and returns the id to put in the cookie (not stored anywhere else). */
export function createSession(userId: string): string {
	const now = Date.now();
	// Expired rows are only ever dead weight; sweeping at sign-in keeps the table small.
	sql().deleteExpired.run(now);
	const sessionId = randomBytes(32).toString('base64url');
	sql().insert.run(hashId(sessionId), userId, now + SESSION_MAX_AGE_SECONDS * 1000);
	return sessionId;
}

/** The session of a cookie value, if it exists and has not expired, with its expiry (epoch ms). */
export function getSession(sessionId: string): { user: SessionUser; expiresAt: number } | undefined {
	const row = sql().find.get(hashId(sessionId), Date.now());
	return row ? { user: { id: row.id, name: row.name, tenantId: row.tenant_id }, expiresAt: row.expires_at } : undefined;
}

/** Ends a session; its cookie stops working at once, for pages and new socket handshakes. */
export function deleteSession(sessionId: string): void {
	sql().delete.run(hashId(sessionId));
}
