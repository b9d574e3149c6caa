import { randomBytes } from 'node:crypto';
import type { Server } from 'socket.io';
import { RESYNC } from '../../shared/protocol.js';
import type { BufferSettings } from '../options/live-options.js';
import { RoomLog, type DeliverEvent, type LoggedEvent, type LogPosition, type RoomEventLog } from '../rooms/room-log.js';
import type { RoomPresences } from '../rooms/room-presence.js';
import type { RedisClient } from '../options/redis-client.js';
import type { RedisLink } from './redis-link.js';
import { OPEN_LOG, RedisScript, roomKeys, type RoomKeys } from './redis-scripts.js';
import { streamLength } from './redis-writer.js';
import type { RedisWriter } from './redis-writer.js';

/** How long a join waits for this process to follow its room before it goes on without (Redis slow or away). */
const FOLLOW_WAIT_MS = 2_000;

const OPEN = new RedisScript(OPEN_LOG);

/**
 * One room this process follows because it has members there (or a join in progress): its
 * subscription, the tail of its log, and the messages that came while it was catching up.
 */
interface RoomFeed {
	key: string;
	redis: RoomKeys;
	log: RoomLog;
	/** Whether the log's epoch and offset are Redis's (false until read, and after Redis was lost). */
	synced: boolean;
	/** Whether the subscription to its channel is in place (node-redis renews it after a reconnect). */
	subscribed: boolean;
	/** Set while the feed reads Redis: messages wait here, in order, and are handled after. */
	held: string[] | undefined;
	/**
	 * The feed's reads of Redis, one after the other: a read compares what Redis says with
	 * the tail, so two at once could each act on what the other changed (a stale read
	 * restarting a tail the first had caught up).
	 */
	reads: Promise<void>;
	/** Reads queued or running; messages are held until none is left. */
	pendingReads: number;
	/** Whether a sync is queued and not started yet (one more would read the same). */
	syncQueued: boolean;
	/** Joins of this room in progress here: the feed stays while one runs. */
	joins: number;
	/** Resolves once the first read of Redis is over, whether it worked or not. */
	ready: Promise<void>;
	closed: boolean;
}

/**
 * The room logs of a scaled-out process: Redis holds each room's order and bounded log (an
 * offset and an epoch, as Centrifugo's Redis engine does), and each process follows only
 * the rooms it has members in — subscribed to the room's channel, keeping the tail of its
 * log for its members' quick resumes. A member's position is the room's epoch and offset,
 * the same on every process, so a re-join on any process resumes from Redis.
 *
 * Emits go to Redis first (through the writer, in this process's order) and come back on
 * the channel like everyone else's, so every process delivers one order. While Redis is
 * away, emits wait in the writer, and members see them, in Redis's order, when it is back.
 */
export class RedisRoomLogs implements RoomEventLog {
	#feeds = new Map<string, RoomFeed>();
	#byChannel = new Map<string, RoomFeed>();
	#redis: RedisClient;
	#subscriber: RedisClient;
	#writer: RedisWriter;
	#link: RedisLink;
	#io: Server;
	#presences: RoomPresences;
	#settings: BufferSettings;
	#deliver: DeliverEvent;
	#hasMembers: (key: string) => boolean;
	#stopped = false;
	/** Resolves once the subscriber has connected for the first time. */
	#connected: Promise<unknown>;
	readonly #onMessage = (message: string, channel: string) => {
		const feed = this.#byChannel.get(channel);
		if (!feed || feed.closed) return;
		if (feed.held) feed.held.push(message);
		else this.#handle(feed, message);
	};

	constructor(parts: {
		redis: RedisClient;
		subscriber: RedisClient;
		/** The subscriber's first connection. */
		connected: Promise<unknown>;
		writer: RedisWriter;
		link: RedisLink;
		io: Server;
		presences: RoomPresences;
		settings: BufferSettings;
		deliver: DeliverEvent;
		hasMembers: (key: string) => boolean;
	}) {
		this.#redis = parts.redis;
		this.#subscriber = parts.subscriber;
		this.#connected = parts.connected;
		this.#writer = parts.writer;
		this.#link = parts.link;
		this.#io = parts.io;
		this.#presences = parts.presences;
		this.#settings = parts.settings;
		this.#deliver = parts.deliver;
		this.#hasMembers = parts.hasMembers;
		// Back from an outage: what was published meanwhile never reached this process's
		// subscriber, and Redis may have come back empty. Every followed room reads Redis again.
		parts.link.onReconnect(() => {
			for (const feed of this.#feeds.values()) {
				feed.synced = false;
				void this.#sync(feed);
			}
			this.#writer.kick();
		});
	}

	reconfigure(settings: BufferSettings): void {
		this.#settings = settings;
	}

	/** The rooms this process follows now. */
	get followed(): number {
		return this.#feeds.size;
	}

	emit(key: string, name: string, payload: unknown, id: string | number | undefined): void {
		this.#writer.event(key, JSON.stringify(id === undefined ? [name, payload] : [name, payload, id]));
	}

	current(key: string): RoomLog | undefined {
		return this.#feeds.get(key)?.log;
	}

	open(key: string, position: LogPosition | undefined): RoomLog | Promise<RoomLog> {
		const feed = this.#follow(key);
		feed.joins++;
		// While Redis is away a join reads nothing from it: a command would wait in the
		// client's queue for seconds and hold the join (and the calls waiting for it).
		if ((feed.synced && !this.#wantsReadBack(feed.log, position)) || this.#link.lost) return feed.log;
		return this.#whenFollowed(feed).then(async () => {
			const log = feed.log;
			if (feed.synced && position && this.#wantsReadBack(log, position)) {
				// What the member lacks that this tail no longer has: from its position, or, from
				// before this log started, every event of this log (the join gives it all of them).
				await this.#readBack(feed, log.predates(position) ? log.start : position[1]);
			}
			return feed.log;
		});
	}

	release(key: string): void {
		const feed = this.#feeds.get(key);
		if (!feed) return;
		feed.joins--;
		this.unfollowIfEmpty(key);
	}

	/** The room has no member here any more (its Socket.IO room was deleted): stop following it. */
	unfollowIfEmpty(key: string): void {
		const feed = this.#feeds.get(key);
		if (!feed || feed.joins > 0 || this.#hasMembers(key)) return;
		feed.closed = true;
		this.#feeds.delete(key);
		this.#byChannel.delete(feed.redis.channel);
		this.#presences.forgetRemote(key);
		this.#subscriber.unsubscribe(feed.redis.channel, this.#onMessage).catch(() => {});
	}

	stop(): void {
		this.#stopped = true;
		for (const feed of this.#feeds.values()) feed.closed = true;
		this.#feeds.clear();
		this.#byChannel.clear();
	}

	#follow(key: string): RoomFeed {
		let feed = this.#feeds.get(key);
		if (feed) return feed;
		const redis = roomKeys(key);
		// Until Redis says which log this is, positions handed out here belong to a log of no
		// epoch of Redis's: a member that joined meanwhile is sent to re-join once it is known.
		feed = { key, redis, log: new RoomLog(unknownEpoch()), synced: false, subscribed: false, held: undefined, reads: Promise.resolve(), pendingReads: 0, syncQueued: false, joins: 0, ready: Promise.resolve(), closed: false };
		this.#feeds.set(key, feed);
		this.#byChannel.set(redis.channel, feed);
		feed.ready = this.#sync(feed);
		return feed;
	}

	#wantsReadBack(log: RoomLog, position: LogPosition | undefined): boolean {
		if (!position) return false;
		return log.predates(position) ? !log.covers(log.start) : !log.covers(position[1]);
	}

	/** Waits for the first read of Redis, at most {@link FOLLOW_WAIT_MS}, and not at all while Redis is away. */
	#whenFollowed(feed: RoomFeed): Promise<void> {
		if (feed.synced || this.#link.lost) return Promise.resolve();
		return new Promise((resolve) => {
			const timer = setTimeout(resolve, FOLLOW_WAIT_MS);
			void feed.ready.then(() => {
				clearTimeout(timer);
				resolve();
			});
		});
	}

	/**
	 * Runs `read` once the feed's earlier reads of Redis are over; messages that arrive
	 * meanwhile wait, in order, until the last read is.
	 */
	#read(feed: RoomFeed, read: () => Promise<void>): Promise<void> {
		feed.held ??= [];
		feed.pendingReads++;
		const done = feed.reads.then(read).then(
			() => this.#readDone(feed),
			() => this.#readDone(feed)
		);
		feed.reads = done;
		return done;
	}

	#readDone(feed: RoomFeed): void {
		if (--feed.pendingReads === 0) this.#release(feed);
	}

	/** Reads where the room's log is in Redis (and its presence), and catches up with it. */
	#sync(feed: RoomFeed): Promise<void> {
		if (feed.syncQueued) return feed.reads;
		feed.syncQueued = true;
		return this.#read(feed, () => {
			feed.syncQueued = false;
			return this.#syncNow(feed);
		});
	}

	async #syncNow(feed: RoomFeed): Promise<void> {
		if (feed.closed) return;
		try {
			if (!feed.subscribed) {
				await this.#connected;
				await this.#subscriber.subscribe(feed.redis.channel, this.#onMessage);
				feed.subscribed = true;
			}
			const [epoch, offset] = parseOpen(await OPEN.run(this.#redis, [feed.redis.meta, feed.redis.stream], [freshEpoch(), String(24 * 60 * 60 * 1000)]));
			const rows = await this.#readPresence(feed);
			if (feed.closed) return;
			if (epoch !== feed.log.epoch || offset < feed.log.seq) {
				// Another log than the one followed (Redis came back empty, or from an older copy):
				// its events so far, as far as the stream still has them, and the members re-join.
				// An older copy keeps the epoch but would number other events with offsets members
				// here have seen: the log gets a new epoch in Redis too (once, whoever asks first).
				if (epoch === feed.log.epoch) this.#writer.restartLog(feed.key, epoch);
				const events = await this.#range(feed, Math.max(1, offset - this.#streamLength() + 1), offset);
				const first = events.length > 0 && events[events.length - 1]!.seq === offset ? events[0]!.seq - 1 : offset;
				this.#restart(feed, epoch, first, events.filter((event) => event.seq > first));
			} else if (offset > feed.log.seq) await this.#catchUp(feed, offset);
			feed.synced = true;
			this.#presences.remoteSnapshot(feed.key, rows);
		} catch {
			// Redis went away again: the next reconnect reads it once more.
		}
	}

	async #readPresence(feed: RoomFeed): Promise<Array<[string, string, unknown]>> {
		const flat = await this.#redis.sendCommand(['HGETALL', feed.redis.presence]);
		const rows: Array<[string, string, unknown]> = [];
		const pairs = Array.isArray(flat) ? flat : flat && typeof flat === 'object' ? Object.entries(flat).flat() : [];
		for (let index = 0; index + 1 < pairs.length; index += 2) {
			const row = parsePresence(String(pairs[index]), String(pairs[index + 1]));
			if (row) rows.push(row);
		}
		return rows;
	}

	/** Handles what waited while the feed read Redis, in order; a new wait keeps the rest. */
	#release(feed: RoomFeed): void {
		const held = feed.held ?? [];
		feed.held = undefined;
		for (let index = 0; index < held.length; index++) {
			if (feed.closed) return;
			if (feed.held) {
				(feed.held as string[]).push(...held.slice(index));
				return;
			}
			this.#handle(feed, held[index]!);
		}
	}

	#handle(feed: RoomFeed, message: string): void {
		try {
			const kind = message[0];
			if (kind === 'e') this.#onEvent(feed, message);
			else if (kind === '+') {
				const space = message.indexOf(' ', 2);
				const row = parsePresence(message.slice(2, space), message.slice(space + 1));
				if (row) this.#presences.remoteTracked(feed.key, ...row);
			} else if (kind === '-') this.#presences.remoteUntracked(feed.key, message.slice(2));
			else if (kind === 'r') {
				const [, epoch, offset] = message.split(' ');
				if (epoch && epoch !== feed.log.epoch) this.#restart(feed, epoch, Number(offset) || 0, []);
			}
		} catch (problem) {
			// From Redis, written by LiveRPC: trusted, but never allowed to throw out of the subscriber.
			console.error('[liverpc] a message from Redis could not be handled:', problem);
		}
	}

	#onEvent(feed: RoomFeed, message: string): void {
		const first = message.indexOf(' ', 2);
		const second = message.indexOf(' ', first + 1);
		const epoch = message.slice(2, first);
		const offset = Number(message.slice(first + 1, second));
		if (!Number.isSafeInteger(offset)) return;
		const log = feed.log;
		if (epoch !== log.epoch) {
			// The log restarted in Redis (it came back empty, or expired): a new tail from this
			// event on, which the members get in full when they re-join, with the history.
			this.#restart(feed, epoch, offset - 1, []);
			this.#append(feed, offset, message.slice(second + 1));
			return;
		}
		if (offset <= log.seq) return; // heard already (read back while catching up)
		if (offset > log.seq + 1) {
			// Some were published while this process was not listening: read them back first.
			// Queued behind any read in progress; by its turn that read may have caught up already.
			void this.#read(feed, () =>
				this.#catchUp(feed, offset - 1).catch(() => {
					if (feed.log === log) this.#restart(feed, log.epoch, offset - 1, []);
				})
			);
			feed.held!.unshift(message);
			return;
		}
		this.#append(feed, offset, message.slice(second + 1));
	}

	#append(feed: RoomFeed, offset: number, encoded: string): void {
		const [name, payload, id] = JSON.parse(encoded) as [string, unknown, string | number | undefined];
		const log = feed.log;
		log.push(offset, name, payload, id, this.#settings.size);
		this.#deliver(feed.key, log.entries[log.entries.length - 1] ?? { seq: offset, name, payload, id, at: 0 });
	}

	/** Reads the events after the log's newest up to `offset` from Redis and delivers them. */
	async #catchUp(feed: RoomFeed, offset: number): Promise<void> {
		if (feed.closed || offset <= feed.log.seq) return;
		const start = feed.log.seq + 1;
		const events = await this.#range(feed, Math.max(start, offset - this.#streamLength() + 1), offset);
		if (feed.closed || feed.log.seq + 1 !== start) return;
		if (events.length === 0 || events[0]!.seq !== start) {
			// Redis no longer has all of them (trimmed or expired): a new tail from what it has,
			// and the members re-join; the gap comes from history.
			const last = events[events.length - 1];
			const first = last?.seq === offset ? events[0]!.seq - 1 : offset;
			this.#restart(feed, feed.log.epoch, first, events.filter((event) => event.seq > first));
			return;
		}
		for (const event of events) {
			if (event.seq !== feed.log.seq + 1) break;
			feed.log.push(event.seq, event.name, event.payload, event.id, this.#settings.size);
			this.#deliver(feed.key, event);
		}
		if (feed.log.seq < offset) this.#restart(feed, feed.log.epoch, offset, []);
	}

	/** Puts what a re-joining member lacks in front of the tail, read back from Redis's stream. */
	async #readBack(feed: RoomFeed, after: number): Promise<void> {
		const log = feed.log;
		const end = (log.entries[0]?.seq ?? log.seq + 1) - 1;
		if (end <= after) return;
		try {
			log.prepend(await this.#range(feed, after + 1, end));
		} catch {
			// Redis away: the join fills the gap from history instead.
		}
	}

	/** How many events Redis keeps per room (see the writer): more than the tail, for catching up after an outage. */
	#streamLength(): number {
		return streamLength(this.#settings);
	}

	async #range(feed: RoomFeed, from: number, to: number): Promise<LoggedEvent[]> {
		const count = Math.max(0, Math.min(to - from + 1, this.#streamLength()));
		if (count === 0) return [];
		const reply = await this.#redis.sendCommand(['XRANGE', feed.redis.stream, `${from}-1`, `${to}-1`, 'COUNT', String(count)]);
		const events: LoggedEvent[] = [];
		for (const entry of Array.isArray(reply) ? reply : []) {
			const [id, fields] = entry as [string, unknown];
			const seq = Number(String(id).split('-')[0]);
			const values = Array.isArray(fields) ? fields : Object.entries(fields as object).flat();
			const encoded = values[1];
			if (!Number.isSafeInteger(seq) || typeof encoded !== 'string') continue;
			const [name, payload, eventId] = JSON.parse(encoded) as [string, unknown, string | number | undefined];
			events.push({ seq, name, payload, id: eventId, at: Date.now() });
		}
		return events;
	}

	/**
	 * The room's log is another one now (or lost events): a new tail after `offset`, with the
	 * `events` after it that Redis still had, and every member here re-joins from its
	 * position. The new log does not cover it, so its join gets every event of the new tail
	 * and fills the rest of its gap from the events' `history` (or says it could not).
	 */
	#restart(feed: RoomFeed, epoch: string, offset: number, events: LoggedEvent[]): void {
		const log = new RoomLog(epoch, offset);
		for (const event of events) if (event.seq === log.seq + 1) log.push(event.seq, event.name, event.payload, event.id, this.#streamLength());
		feed.log = log;
		if (!this.#stopped) this.#io.local.to(feed.key).emit(RESYNC, feed.key);
	}
}

/** An epoch no Redis log has: a placeholder until the room's own is read. */
function unknownEpoch(): string {
	return `?${randomBytes(6).toString('base64url')}`;
}

function freshEpoch(): string {
	return randomBytes(6).toString('base64url');
}

function parseOpen(reply: unknown): [epoch: string, offset: number] {
	if (!Array.isArray(reply) || typeof reply[0] !== 'string') throw new TypeError('unexpected reply to the log script');
	const offset = Number(reply[1]);
	return [reply[0], Number.isSafeInteger(offset) ? offset : 0];
}

function parsePresence(connection: string, encoded: string): [string, string, unknown] | undefined {
	const parsed = JSON.parse(encoded) as unknown;
	if (!Array.isArray(parsed) || typeof parsed[0] !== 'string') return undefined;
	return [connection, parsed[0], parsed[1]];
}
