import type { Socket } from 'socket.io';
import { isErrorBody, type ErrorBody } from '../shared/protocol.js';
import { clientKeyOf, type CallMemory } from './call-memory.js';
import type { PeerLink } from './peer-link.js';

// Scale-out (#12): a client that lost a call's answer in a disconnect sends the call again
// after its re-join, and behind a load balancer that re-join may land on another process
// than the one that ran it. Such a copy is marked by the client; before running it, this
// process asks the others whether one of them has it in its call memory, and answers with
// what that one remembers, so the call still runs once.

/** What another process remembers of a call: where it was made, and its answer. */
export interface RecalledCall {
	room: string;
	name: string;
	error: ErrorBody | null;
	output: unknown;
}

/**
 * Asks the other processes for a call sent again: resolves with what one remembers, or
 * undefined when none has it. Undefined at once when there is nobody to ask (one process).
 */
export type RecallCall = (socket: Socket, number: number) => Promise<RecalledCall | undefined> | undefined;

/**
 * Shares this process's call memory with the others, and returns how to ask them. A call
 * still running where it was made is answered when it ends, within the adapter's request
 * timeout (5 s for Socket.IO's Redis adapters); past that, the copy runs here.
 */
export function shareCallMemory(peers: PeerLink, memory: CallMemory): RecallCall {
	peers.answer('call', (_from, clientKey, number) => {
		if (typeof clientKey !== 'string' || typeof number !== 'number') return null;
		const record = memory.find(clientKey, number);
		if (!record) return null;
		return new Promise<RecalledCall>((resolve) => {
			record.answerCopy((error, output) => resolve({ room: record.room, name: record.name, error, output: error ? null : (output ?? null) }));
		});
	});
	return (socket, number) => {
		const clientKey = clientKeyOf(socket);
		if (clientKey === undefined || !peers.enabled) return undefined;
		return peers.ask('call', clientKey, number).then((answers) => answers.find(isRecalledCall));
	};
}

// From another process, through Redis: trusted, still checked before use.
function isRecalledCall(value: unknown): value is RecalledCall {
	if (typeof value !== 'object' || value === null) return false;
	const { room, name, error } = value as Partial<RecalledCall>;
	return typeof room === 'string' && typeof name === 'string' && (error === null || isErrorBody(error));
}
