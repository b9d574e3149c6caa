// Revocation: logout and bans must reach connections that are already open, because `locals`
// are made once per handshake. The socket hook names each connection by keys (`user:42`,
// `session:abc`), which become Socket.IO rooms of that connection; revoking a key
// disconnects that room's connections, on this process at once and, scaled out, on every
// other one as soon as Redis carries the word. The client reconnects by itself and the hook
// runs again with whatever the cookie is worth now, so a signed-out tab comes back anonymous
// and its guarded rooms refuse it. Disconnecting leaves every room at once. The cost is that
// of the matching connections, whatever the number of others.

/** The prefix of the Socket.IO room of a hook key: route keys (`route#room`) never start with '#'. */
const KEY_ROOM = '#k:';

/** The Socket.IO room that holds the connections the hook gave `key`. */
export function keyRoom(key: string): string {
	return KEY_ROOM + key;
}

/** What a running server does with a revocation. */
export interface Revoker {
	/** Ends this process's connections that have one of `keys`; returns how many. */
	endLocal(keys: readonly string[]): number;
	/** Scaled out: tells the other processes (through Redis, kept until it is reachable). */
	broadcast?(keys: readonly string[]): void;
}

interface RevocationState {
	/** Every running LiveRPC server of this process. */
	servers: Set<Revoker>;
	/** Bumped by every revocation heard; a handshake notes it when its hook starts. */
	sequence: number;
	/** Recent revocations, for handshakes whose hook was running meanwhile. */
	recent: Array<{ sequence: number; at: number; keys: ReadonlySet<string> }>;
}

// On globalThis for the reason event sinks are: in `vite dev` a form action may load this
// module through Vite while the socket server loaded it through Node.
const STATE = Symbol.for('liverpc.revocation');
const state: RevocationState = ((globalThis as { [STATE]?: RevocationState })[STATE] ??= {
	servers: new Set(),
	sequence: 0,
	recent: []
});

// Longer than Socket.IO's 45 s connect timeout: a handshake still pending after that is gone.
const REMEMBER_MS = 60_000;
const MAX_KEYS = 64;
const MAX_KEY_LENGTH = 256;

/**
 * Ends every open connection whose socket hook returned one of these keys, in this process
 * and, scaled out, in every other: their rooms are left at once, and the clients reconnect so
 * that the socket hook decides again who they are. A handshake whose hook was still running
 * is refused and retried, so it cannot come through with what the hook read before. Resolves
 * with how many connections of this process it ended (other processes end theirs as soon as
 * Redis carries the word, also when Redis was away at the time).
 *
 * @example
 * ```ts
 * // src/hooks.socket.ts: name each connection by its user and its session
 * export const handle = handleSocket(async ({ cookies }) => {
 *   const session = await getSession(cookies.get('session'));
 *   return { locals: { user: session?.user }, keys: session ? [`user:${session.user.id}`, `session:${session.id}`] : [] };
 * });
 * // src/routes/logout/+page.server.ts
 * import { revoke } from 'liverpc/server';
 * export const actions = {
 *   default: async ({ cookies, locals }) => {
 *     await sessions.delete(cookies.get('session'));
 *     if (locals.user) await revoke(`user:${locals.user.id}`);
 *     redirect(303, '/');
 *   }
 * };
 * ```
 */
export async function revoke(keys: string | readonly string[]): Promise<number> {
	const list = typeof keys === 'string' ? [keys] : keys;
	if (!Array.isArray(list) || list.length === 0 || list.length > MAX_KEYS || !list.every(isKey)) {
		throw new TypeError("revoke() takes a key the socket hook returned, or an array of them, e.g. revoke(`user:${userId}`)");
	}
	let ended = 0;
	for (const server of state.servers) {
		ended += revoked(list, server);
		server.broadcast?.(list);
	}
	return ended;
}

/** A revocation made on another process, as Redis carried it: ends this process's matching connections. */
export function revokedElsewhere(keys: readonly string[]): void {
	for (const server of state.servers) revoked(keys, server);
}

function revoked(keys: readonly string[], server: Revoker): number {
	const now = Date.now();
	state.recent = state.recent.filter((entry) => now - entry.at < REMEMBER_MS);
	state.recent.push({ sequence: ++state.sequence, at: now, keys: new Set(keys) });
	return server.endLocal(keys);
}

/** Whether a value is a key a hook may return and revoke() takes. */
export function isKey(value: unknown): value is string {
	return typeof value === 'string' && value.length > 0 && value.length <= MAX_KEY_LENGTH;
}

/**
 * Checks the keys a socket hook returned: undefined when it returned none, else a copy.
 * Throws a `TypeError` that names the problem, which refuses the handshake with a 500.
 */
export function readHookKeys(keys: unknown): string[] | undefined {
	if (keys === undefined) return undefined;
	if (!Array.isArray(keys) || keys.length > MAX_KEYS || !keys.every(isKey)) {
		throw new TypeError(`The socket hook's keys must be an array of at most ${MAX_KEYS} non-empty strings of at most ${MAX_KEY_LENGTH} characters`);
	}
	return [...keys];
}

/** Registers a running server with {@link revoke}; returns its removal. */
export function registerForRevocation(server: Revoker): () => void {
	state.servers.add(server);
	return () => state.servers.delete(server);
}

/** Noted when a socket hook starts, for {@link revokedSince}. */
export function revocationTicket(): number {
	return state.sequence;
}

/** True when a revocation made after `ticket` names one of these keys. */
export function revokedSince(ticket: number, keys: readonly string[] | undefined): boolean {
	if (state.sequence === ticket || !keys || keys.length === 0) return false;
	for (const entry of state.recent) {
		if (entry.sequence <= ticket) continue;
		for (const key of keys) if (entry.keys.has(key)) return true;
	}
	return false;
}
