import Database from 'better-sqlite3';
import { randomBytes, scryptSync } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

// The example's only store: tenants, users, sessions, rooms and messages in one SQLite file.
// better-sqlite3 is synchronous, so "saved" really means on disk before a call is acknowledged.

/** 'LRPC' in ASCII: tells our database file apart from any other SQLite file at the same path. */
const APPLICATION_ID = 0x4c525043;

/** The room id of the public lobby's messages. It is not a row of `rooms`, so no tenant owns it. */
export const LOBBY_ID = 'lobby';

const SCHEMA = `
	CREATE TABLE IF NOT EXISTS tenants (
		id TEXT PRIMARY KEY,
		name TEXT NOT NULL
	);
	CREATE TABLE IF NOT EXISTS users (
		id TEXT PRIMARY KEY,
		tenant_id TEXT NOT NULL REFERENCES tenants (id),
		name TEXT NOT NULL,
		password_hash TEXT NOT NULL,
		password_salt TEXT NOT NULL
	);
	CREATE TABLE IF NOT EXISTS sessions (
		id_hash TEXT PRIMARY KEY,
		user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
		expires_at INTEGER NOT NULL
	);
	CREATE INDEX IF NOT EXISTS sessions_by_user ON sessions (user_id);
	-- A tenant room called 'lobby' would share the lobby's messages, so it cannot exist.
	CREATE TABLE IF NOT EXISTS rooms (
		id TEXT PRIMARY KEY CHECK (id <> '${LOBBY_ID}'),
		tenant_id TEXT NOT NULL REFERENCES tenants (id),
		name TEXT NOT NULL
	);
	-- AUTOINCREMENT: ids are never reused and only grow, so they are the order of a room and
	-- what a member that comes back names as the last message it has.
	-- room_id has no foreign key because the lobby is not a row of rooms.
	-- request_key: the sender's own key for one message, so sending it again (after a lost
	-- reply, a restart) finds the first copy instead of storing a second.
	CREATE TABLE IF NOT EXISTS messages (
		id INTEGER PRIMARY KEY AUTOINCREMENT,
		room_id TEXT NOT NULL,
		user_id TEXT NOT NULL REFERENCES users (id),
		text TEXT NOT NULL,
		created_at TEXT NOT NULL,
		request_key TEXT
	);
	CREATE INDEX IF NOT EXISTS messages_by_room ON messages (room_id, id);
`;

// Run after SCHEMA, on files made before a column existed.
const MIGRATIONS: Array<{ column: string; sql: string }> = [{ column: 'request_key', sql: 'ALTER TABLE messages ADD COLUMN request_key TEXT' }];
const INDEXES = 'CREATE UNIQUE INDEX IF NOT EXISTS messages_by_request ON messages (user_id, request_key)';

const SEED = {
	tenants: [
		{ id: 'acme', name: 'Acme' },
		{ id: 'globex', name: 'Globex' }
	],
	users: [
		{ id: 'alice', name: 'Alice', tenantId: 'acme' },
		{ id: 'bob', name: 'Bob', tenantId: 'acme' },
		{ id: 'carol', name: 'Carol', tenantId: 'globex' }
	],
	rooms: [
		{ id: 'acme-general', name: 'Acme general', tenantId: 'acme' },
		{ id: 'acme-ops', name: 'Acme ops', tenantId: 'acme' },
		{ id: 'globex-general', name: 'Globex general', tenantId: 'globex' }
	],
	// Every seeded user signs in with this password; it is a demo, not a deployment.
	password: 'password'
};

/** scrypt with a per-user random salt; sessions.ts verifies with the same parameters. */
export const PASSWORD_KEY_LENGTH = 64;

export function hashPassword(password: string, salt: string): string {
	return scryptSync(password, salt, PASSWORD_KEY_LENGTH).toString('hex');
}

let instance: Database.Database | undefined;

/**
 * The shared connection, opened on first use rather than on import: `vite build` imports
 * server modules to analyse routes, and that must not create a database file.
 */
export function db(): Database.Database {
	return (instance ??= open());
}

function open(): Database.Database {
	const file = path.resolve(process.cwd(), process.env.DATABASE_PATH ?? 'data/rooms.db');
	mkdirSync(path.dirname(file), { recursive: true });

	const connection = new Database(file);
	// WAL lets readers (page loads, joins) go on while a message is being written, and lets
	// several `node build` processes share the file.
	connection.pragma('journal_mode = WAL');
	connection.pragma('foreign_keys = ON');

	claim(connection, file);
	connection.exec(SCHEMA);
	migrate(connection);
	seed(connection);

	// adapter-node emits this after draining HTTP requests: close so the WAL is checkpointed.
	process.once('sveltekit:shutdown', () => connection.close());
	return connection;
}

/**
 * Refuses to write our tables into somebody else's SQLite file (a mistyped DATABASE_PATH),
 * and marks a new file as ours.
 */
function claim(connection: Database.Database, file: string): void {
	const applicationId = connection.pragma('application_id', { simple: true }) as number;
	if (applicationId === APPLICATION_ID) return;

	const tables = connection.prepare('SELECT count(*) AS n FROM sqlite_schema').get() as { n: number };
	if (applicationId !== 0 || tables.n > 0) {
		throw new Error(
			`LIVERPC-SERVER-ONLY-DB-MARKER: ${file} is not a rooms database (application_id ${applicationId}, ${tables.n} schema objects). ` +
				'Point DATABASE_PATH at a new file or delete this one.'
		);
	}
	connection.pragma(`application_id = ${APPLICATION_ID}`);
}

/** Adds the columns SCHEMA has and an older file lacks, then the indexes over them. */
function migrate(connection: Database.Database): void {
	const columns = new Set((connection.prepare('PRAGMA table_info(messages)').all() as Array<{ name: string }>).map((column) => column.name));
	connection
		.transaction(() => {
			for (const migration of MIGRATIONS) if (!columns.has(migration.column)) connection.exec(migration.sql);
			connection.exec(INDEXES);
		})
		.immediate();
}

/**
 * Inserts the demo tenants, users and rooms unless they are there already, so every start
 * (and every process of a cluster) may run it. IMMEDIATE takes the write lock first, so two
 * processes starting together do not both hash passwords for the same user.
 */
function seed(connection: Database.Database): void {
	const insertTenant = connection.prepare('INSERT OR IGNORE INTO tenants (id, name) VALUES (?, ?)');
	const insertRoom = connection.prepare('INSERT OR IGNORE INTO rooms (id, tenant_id, name) VALUES (?, ?, ?)');
	const userExists = connection.prepare<[string], { found: 1 }>('SELECT 1 AS found FROM users WHERE id = ?');
	const insertUser = connection.prepare(
		'INSERT INTO users (id, tenant_id, name, password_hash, password_salt) VALUES (?, ?, ?, ?, ?)'
	);

	connection
		.transaction(() => {
			for (const tenant of SEED.tenants) insertTenant.run(tenant.id, tenant.name);
			for (const room of SEED.rooms) insertRoom.run(room.id, room.tenantId, room.name);
			for (const user of SEED.users) {
				if (userExists.get(user.id)) continue;
				// Hashing is slow on purpose, so only users that are missing pay for it.
				const salt = randomBytes(16).toString('hex');
				insertUser.run(user.id, user.tenantId, user.name, hashPassword(SEED.password, salt), salt);
			}
		})
		.immediate();
}
