import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ActivityRing } from './activity-ring.js';
import type { InspectorSnapshot } from './inspector-snapshot.js';

/** How often open pages are sent what changed: the snapshot throttle, and the activity batch. */
export const FEED_TICK_MS = 250;
/** Open pages at once; past this a new one is refused (each costs a snapshot per tick). */
const MAX_READERS = 8;
/** A page that has not read this much of its stream is dropped, not buffered for. */
const MAX_UNSENT_BYTES = 1024 * 1024;
/** A comment line this often keeps idle streams open through proxies. */
const KEEP_ALIVE_TICKS = 60;

/**
 * The inspector's live updates, as Server-Sent Events: a page's `EventSource` gets the
 * whole `snapshot` and the ring's `activity` at once, then, every {@link FEED_TICK_MS} while
 * it stays open, the new activities and the snapshot when it changed. One timer for all the
 * pages, running only while one is open; nothing is computed while none is.
 */
export class InspectorFeed {
	readonly #ring: ActivityRing;
	readonly #read: () => InspectorSnapshot;
	readonly #readers = new Set<ServerResponse>();
	#timer: ReturnType<typeof setInterval> | undefined;
	#sentSeq = 0;
	#sentSnapshot = '';
	#ticks = 0;

	constructor(ring: ActivityRing, read: () => InspectorSnapshot) {
		this.#ring = ring;
		this.#read = read;
	}

	/** The snapshot and the ring as they are now, for `GET …/inspector/state`. */
	state(): { snapshot: InspectorSnapshot; activity: ReturnType<ActivityRing['since']> } {
		return { snapshot: this.#read(), activity: this.#ring.since(0) };
	}

	/** Starts streaming to one page. */
	open(request: IncomingMessage, response: ServerResponse): void {
		if (this.#readers.size >= MAX_READERS) {
			response.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' }).end('Too many inspector pages open\n');
			return;
		}
		response.writeHead(200, {
			'content-type': 'text/event-stream; charset=utf-8',
			'cache-control': 'no-store',
			'x-content-type-options': 'nosniff',
			connection: 'keep-alive'
		});
		const { snapshot, activity } = this.state();
		response.write('retry: 1000\n\n');
		send(response, 'snapshot', snapshot);
		send(response, 'activity', activity);
		this.#readers.add(response);
		const close = () => this.#drop(response);
		request.once('close', close);
		response.once('close', close);
		if (!this.#timer) {
			this.#sentSeq = this.#ring.last;
			this.#sentSnapshot = JSON.stringify(snapshot);
			this.#timer = setInterval(() => this.#tick(), FEED_TICK_MS);
			this.#timer.unref();
		}
	}

	/** Ends every stream (the server is closing). */
	stop(): void {
		for (const response of this.#readers) response.end();
		this.#readers.clear();
		this.#stopTimer();
	}

	#tick(): void {
		const activity = this.#ring.since(this.#sentSeq);
		this.#sentSeq = this.#ring.last;
		const snapshot = JSON.stringify(this.#read());
		const changed = snapshot !== this.#sentSnapshot;
		this.#sentSnapshot = snapshot;
		const keepAlive = ++this.#ticks % KEEP_ALIVE_TICKS === 0;
		for (const response of this.#readers) {
			if (response.writableLength > MAX_UNSENT_BYTES) {
				response.destroy();
				continue;
			}
			if (activity.length > 0) send(response, 'activity', activity);
			if (changed) response.write(`event: snapshot\ndata: ${snapshot}\n\n`);
			if (keepAlive) response.write(': keep-alive\n\n');
		}
	}

	#drop(response: ServerResponse): void {
		this.#readers.delete(response);
		if (this.#readers.size === 0) this.#stopTimer();
	}

	#stopTimer(): void {
		if (this.#timer) clearInterval(this.#timer);
		this.#timer = undefined;
	}
}

/** One event; JSON never holds a raw line break, so `data:` is a single line. */
function send(response: ServerResponse, event: string, data: unknown): void {
	response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}
