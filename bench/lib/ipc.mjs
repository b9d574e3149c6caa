// Request/response over a forked child's IPC channel: the orchestrator asks, the server
// and load processes answer. Unsolicited `{ type: 'mark' }` messages flow the other way.

/** In a child: answers requests with the handler named by `message.type`. */
export function serveRequests(handlers) {
	process.on('message', async (message) => {
		if (!message || message.id === undefined) return;
		try {
			const handler = handlers[message.type];
			if (!handler) throw new Error(`no handler for '${message.type}'`);
			process.send({ id: message.id, ok: true, value: await handler(message.args ?? {}) });
		} catch (error) {
			process.send({ id: message.id, ok: false, error: String(error?.stack ?? error) });
		}
	});
}

/** In the orchestrator: a function that sends a request to `child` and awaits its answer. */
export function requester(child, { timeout = 120_000 } = {}) {
	let next = 0;
	const pending = new Map();
	child.on('message', (message) => {
		const entry = message && pending.get(message.id);
		if (!entry) return;
		pending.delete(message.id);
		clearTimeout(entry.timer);
		if (message.ok) entry.resolve(message.value);
		else entry.reject(new Error(message.error));
	});
	child.on('exit', (code) => {
		for (const entry of pending.values()) entry.reject(new Error(`child exited with ${code}`));
		pending.clear();
	});
	return (type, args) =>
		new Promise((resolve, reject) => {
			const id = next++;
			const timer = setTimeout(() => {
				pending.delete(id);
				reject(new Error(`'${type}' got no answer within ${timeout} ms`));
			}, timeout);
			pending.set(id, { resolve, reject, timer });
			child.send({ id, type, args });
		});
}

/** Monotonic time shared by all processes on this machine (CLOCK_MONOTONIC), in ns as a string. */
export const now = () => process.hrtime.bigint();
