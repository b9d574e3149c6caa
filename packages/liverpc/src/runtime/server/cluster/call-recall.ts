import type { Server, Socket } from 'socket.io';
import { isErrorBody } from '../../shared/protocol.js';
import { memoryKeyOf, type CallMemory, type RecallCall, type RecalledCall } from '../calls/call-memory.js';

// A client that lost a call's answer in a disconnect sends the call again after its re-join,
// and behind a load balancer that re-join may land on another process than the one that ran
// it. Such a copy is marked by the client; before running it, this process asks the others,
// through the Socket.IO adapter's own request-and-answer (`serverSideEmit` with an ack),
// whether one of them remembers it, and answers with what that one remembers, so the call
// still runs once. Only the calls in flight at a disconnect are ever asked about.

const CALL_QUESTION = 'liverpc:call';
/** How long a copy waits for another process's answer: the adapter's own request timeout. */
const ANSWER_WAIT_MS = 5_000;

/** Answers the other processes' questions from this process's call memory, and returns how to ask them. */
export function shareCallMemory(io: Server, memory: CallMemory): RecallCall {
	io.on(CALL_QUESTION, (...args: unknown[]) => {
		// From another process of this app: trusted, still checked, never thrown from.
		try {
			const reply = args.pop();
			const [memoryKey, number] = args;
			if (typeof reply !== 'function') return;
			const answer = reply as (value: RecalledCall | null) => void;
			const record = typeof memoryKey === 'string' && typeof number === 'number' ? memory.find(memoryKey, number) : undefined;
			if (!record) return answer(null);
			record.answerCopy((error, output) => answer({ room: record.room, name: record.name, error, output: error ? null : (output ?? null) }));
		} catch (problem) {
			console.error('[liverpc] a question from another process could not be answered:', problem);
		}
	});
	return (socket, number) => {
		const memoryKey = memoryKeyOf(socket);
		if (memoryKey === undefined) return undefined;
		return new Promise((resolve) => {
			// Past the deadline the copy runs here rather than never: the process that ran it
			// is gone, or Redis is away (the adapter then never calls back).
			const timer = setTimeout(() => resolve(undefined), ANSWER_WAIT_MS);
			const done = (answers: unknown) => {
				clearTimeout(timer);
				resolve(Array.isArray(answers) ? answers.find(isRecalledCall) : undefined);
			};
			// The adapter's own method, not io.serverSideEmit: that one drops the promise of its
			// count of servers, which rejects (unhandled) while Redis is away.
			const adapter = io.of('/').adapter as unknown as { serverSideEmit(packet: unknown[]): Promise<unknown> | void };
			try {
				void Promise.resolve(adapter.serverSideEmit([CALL_QUESTION, memoryKey, number, (_error: unknown, answers: unknown) => done(answers)])).catch(() => done(undefined));
			} catch {
				done(undefined);
			}
		});
	};
}

function isRecalledCall(value: unknown): value is RecalledCall {
	if (typeof value !== 'object' || value === null) return false;
	const { room, name, error } = value as Partial<RecalledCall>;
	return typeof room === 'string' && typeof name === 'string' && (error === null || isErrorBody(error));
}
