import type { Server } from 'socket.io';

// Revocation (#8): logout and bans must reach connections that are already open, because
// `locals` are made once per handshake. Revoking disconnects the matching connections; the
// client reconnects by itself and the socket hook runs again with whatever the cookie is
// worth now, so a signed-out tab comes back anonymous and its guarded rooms refuse it.
// Disconnecting leaves every room at once. With a Socket.IO adapter (scale-out) the
// `fetchSockets()` below reaches the connections of every process.

/** Which connections to end, decided from the locals their socket hook returned. */
export type RevocationMatch = (locals: App.SocketLocals) => boolean;

interface RevocationState {
	/** Every running LiveRPC server of this process. */
	servers: Set<Server>;
	/** Bumped by every revoke; a handshake notes it when its hook starts. */
	sequence: number;
	/** Recent revocations, for handshakes whose hook was running meanwhile. */
	recent: Array<{ sequence: number; at: number; match: RevocationMatch }>;
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

/**
 * Ends every open connection whose `locals` match, in this process and, with a scale-out
 * adapter, in every other: their rooms are left at once, and the clients reconnect so that
 * the socket hook decides again who they are. Resolves with how many connections it ended.
 * A handshake whose hook was still running when this was called is refused and retried, so
 * it cannot come through with what the hook read before.
 *
 * @example
 * ```ts
 * // src/routes/logout/+page.server.ts
 * import { revoke } from 'liverpc/server';
 * export const actions = {
 *   default: async ({ cookies, locals }) => {
 *     await sessions.delete(cookies.get('session'));
 *     const userId = locals.user?.id;
 *     if (userId) await revoke((socketLocals) => socketLocals.user?.id === userId);
 *     redirect(303, '/');
 *   }
 * };
 * ```
 */
export async function revoke(match: RevocationMatch): Promise<number> {
	if (typeof match !== 'function') {
		throw new TypeError('revoke() takes a function of locals, e.g. (locals) => locals.user?.id === userId');
	}
	const now = Date.now();
	state.recent = state.recent.filter((entry) => now - entry.at < REMEMBER_MS);
	state.recent.push({ sequence: ++state.sequence, at: now, match });

	let ended = 0;
	for (const io of state.servers) {
		for (const socket of await io.fetchSockets()) {
			const locals = (socket.data as { locals?: App.SocketLocals } | undefined)?.locals;
			if (locals && match(locals)) {
				socket.disconnect(true);
				ended++;
			}
		}
	}
	return ended;
}

/** Registers a running server with {@link revoke}; returns its removal. */
export function registerForRevocation(io: Server): () => void {
	state.servers.add(io);
	return () => state.servers.delete(io);
}

/** Noted when a socket hook starts, for {@link revokedSince}. */
export function revocationTicket(): number {
	return state.sequence;
}

/**
 * True when a revocation made after `ticket` matches these locals. A match function that
 * throws counts as a match: when in doubt, the handshake is tried again.
 */
export function revokedSince(ticket: number, locals: App.SocketLocals): boolean {
	if (state.sequence === ticket) return false;
	for (const entry of state.recent) {
		if (entry.sequence <= ticket) continue;
		try {
			if (entry.match(locals)) return true;
		} catch {
			return true;
		}
	}
	return false;
}
