import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { createClient, type ConnectionStatus, type LiveClient, type Room } from 'liverpc/client';
import * as chat from '../../src/routes/rooms/[roomId]/chat.socket';
import type { Page } from 'playwright-core';
import type { SeedUser } from './browser.js';
import { proxyHeaders } from './generation.js';
import type { ChatMessage } from '../../src/lib/types.js';

// The pieces of tests/chaos.test.ts: members of a room that record what they receive and
// when their status changes, writers that resend with the same key until acknowledged,
// the database's own list, and the comparison of the two.

/** A status and when it began (Date.now(), same clock in Node and in Chromium). */
export interface StatusEntry {
	status: string;
	at: number;
}

/** The room contract, given its route id by liverpc() under Vitest with the app's Vite config. */
export const chatContract = chat;

/** A room handle of that contract. */
export type ChatRoom = Room<typeof chat>;

/** A liverpc/client connection in the room, and everything it saw. */
export interface SocketMember {
	name: string;
	client: LiveClient;
	room: ChatRoom;
	/** Ids of every `message` event, in arrival order. */
	received: number[];
	/** When each of them arrived. */
	arrivals: number[];
	/** The room's status changes. */
	roomLog: StatusEntry[];
	/** The connection's status changes. */
	connectionLog: Array<StatusEntry & { status: ConnectionStatus }>;
	/** Changes of the room's and the connection's `error`, as `room 429 …` or `connection …`. */
	errorLog: StatusEntry[];
	/** Every change to `joined` after the first, with `room.resumed` as it was then. */
	rejoins: Array<{ at: number; resumed: boolean | undefined }>;
}

/** Opens one client per cookie, each in `roomId`, recording its events from the start. */
export function joinSocketMembers(url: string, cookies: Array<{ user: SeedUser; cookie: string }>, roomId: string): SocketMember[] {
	return cookies.map(({ user, cookie }, index) => {
		const client = createClient({ url, headers: { cookie } });
		const room = client.live(chatContract, { roomId });
		const member: SocketMember = {
			name: `socket ${index} (${user})`,
			client,
			room,
			received: [],
			arrivals: [],
			roomLog: [{ status: room.status, at: Date.now() }],
			connectionLog: [{ status: client.status, at: Date.now() }],
			errorLog: [],
			rejoins: []
		};
		room.on('message', (message) => {
			member.received.push(message.id);
			member.arrivals.push(Date.now());
		});
		return member;
	});
}

function describe(error: { status: number; message: string } | undefined): string {
	return error ? `${error.status} ${error.message}` : 'none';
}

/**
 * Polls the members' statuses every 20 ms (the client has no status event; a reconnect
 * takes at least Socket.IO's 500 ms first delay, so no change is missed) and logs changes.
 */
export function watchSocketMembers(members: SocketMember[]): () => void {
	const check = () => {
		const at = Date.now();
		for (const member of members) {
			const room = member.room.status;
			if (room !== member.roomLog[member.roomLog.length - 1]!.status) {
				if (room === 'joined' && member.roomLog.some((entry) => entry.status === 'joined')) {
					member.rejoins.push({ at, resumed: member.room.resumed });
				}
				member.roomLog.push({ status: room, at });
			}
			const error = `room ${describe(member.room.error)}, connection ${describe(member.client.error)}`;
			if (error !== (member.errorLog[member.errorLog.length - 1]?.status ?? 'room none, connection none')) {
				member.errorLog.push({ status: error, at });
			}
			const connection = member.client.status;
			if (connection !== member.connectionLog[member.connectionLog.length - 1]!.status) {
				member.connectionLog.push({ status: connection, at });
			}
		}
	};
	const timer = setInterval(check, 20);
	return () => {
		check();
		clearInterval(timer);
	};
}

declare global {
	interface Window {
		chaosStatusLog?: StatusEntry[];
		stayed?: boolean;
	}
}

/**
 * Logs the tab's room status from now on, in the page itself (a MutationObserver fires in
 * the same task as Svelte's update), and marks the window so a reload would show.
 */
export async function watchTab(page: Page): Promise<void> {
	await page.evaluate(() => {
		window.stayed = true;
		const log: StatusEntry[] = [];
		window.chaosStatusLog = log;
		const read = () => document.querySelector('[data-testid="room-status"]')?.textContent?.trim() ?? '';
		log.push({ status: read(), at: Date.now() });
		new MutationObserver(() => {
			const status = read();
			if (status !== log[log.length - 1]!.status) log.push({ status, at: Date.now() });
		}).observe(document.body, { subtree: true, childList: true, characterData: true });
	});
}

/** The tab's status log from {@link watchTab}, and whether it is the same window. */
export function tabLog(page: Page): Promise<{ log: StatusEntry[]; stayed: boolean }> {
	return page.evaluate(() => ({ log: window.chaosStatusLog ?? [], stayed: window.stayed === true }));
}

/** The latest status in a log. */
export function lastStatus(log: StatusEntry[]): string | undefined {
	return log[log.length - 1]?.status;
}

/** One message a writer made, and what became of it. */
export interface Written {
	writer: string;
	text: string;
	/** Sent with every attempt of this message, so the app can store it once (#9). */
	key: string;
	attempts: number;
	/** When it was first sent, and when it was acknowledged (Date.now()). */
	sentAt: number;
	ackedAt?: number;
	acknowledged: boolean;
	/** The id the acknowledgement named (socket calls reply with the saved message). */
	ackedId?: number;
	/** The last failure, for the report. */
	lastError?: string;
	/** Set when a failure was final (a 4xx), so resending could not help. */
	refused?: string;
}

/** A failure of one attempt; `final` when resending the same message cannot succeed. */
export class AttemptFailed extends Error {
	constructor(
		message: string,
		readonly final: boolean
	) {
		super(message);
	}
}

/** Whether a status says "try again" (the server is busy, restarting or unreachable). */
export function retryable(status: number): boolean {
	return status >= 500 || status === 429 || status === 408;
}

/**
 * Writes unique messages at `perSecond` through `attempt`, each with its own random key,
 * and resends a message with the same text and key after every failure until it is
 * acknowledged (or the writer is told to give up). At most `maxOutstanding` are unanswered.
 */
export class Writer {
	readonly written: Written[] = [];
	#outstanding = new Set<Promise<void>>();
	#timer: ReturnType<typeof setInterval> | undefined;
	#givingUp = false;
	#count = 0;

	constructor(
		readonly name: string,
		private readonly perSecond: number,
		private readonly attempt: (message: Written) => Promise<number | undefined>,
		private readonly maxOutstanding = 60
	) {}

	start(): void {
		this.#timer = setInterval(() => {
			if (this.#outstanding.size >= this.maxOutstanding) return;
			const message: Written = {
				writer: this.name,
				// Unique across writers and runs; no double spaces, since the page's text is compared.
				text: `${this.name} #${++this.#count} ${randomUUID().slice(0, 8)}`,
				key: randomUUID(),
				attempts: 0,
				sentAt: Date.now(),
				acknowledged: false
			};
			this.written.push(message);
			const delivery = this.#deliver(message).finally(() => this.#outstanding.delete(delivery));
			this.#outstanding.add(delivery);
		}, 1000 / this.perSecond);
	}

	/** Stops making new messages; resolves once every one made is answered, or after `timeout` ms. */
	async stop(timeout: number): Promise<void> {
		clearInterval(this.#timer);
		const deadline = new Promise<void>((resolve) => setTimeout(resolve, timeout).unref());
		await Promise.race([Promise.all([...this.#outstanding]), deadline]);
		// Whatever is left stops after its current attempt and stays unacknowledged.
		this.#givingUp = true;
	}

	async #deliver(message: Written): Promise<void> {
		for (;;) {
			message.attempts++;
			try {
				message.ackedId = await this.attempt(message);
				message.ackedAt = Date.now();
				message.acknowledged = true;
				return;
			} catch (problem) {
				message.lastError = problem instanceof Error ? problem.message : String(problem);
				if (problem instanceof AttemptFailed && problem.final) {
					message.refused = message.lastError;
					return;
				}
			}
			if (this.#givingUp) return;
			// Doubling from 200 ms to 2 s with jitter, as a client resending after a failure would.
			const step = Math.min(2000, 200 * 2 ** Math.min(message.attempts - 1, 4));
			await new Promise((resolve) => setTimeout(resolve, step / 2 + Math.random() * (step / 2)));
			if (this.#givingUp) return;
		}
	}
}

/** One attempt through a socket room: `room.send({ text, key })`, acknowledged with the saved message. */
export function socketAttempt(room: ChatRoom): (message: Written) => Promise<number> {
	return async ({ text, key }) => {
		try {
			const saved = await room.send({ text, key });
			return saved.id;
		} catch (problem) {
			const status = (problem as { status?: unknown }).status;
			const final = typeof status === 'number' && !retryable(status);
			throw new AttemptFailed(`${typeof status === 'number' ? status + ' ' : ''}${(problem as Error).message}`, final);
		}
	};
}

/**
 * One attempt through the page's form action, posted as SvelteKit's `use:enhance` posts
 * (`x-sveltekit-action`, so the answer is JSON and not the rendered page). Refused or reset
 * connections, timeouts and 5xx are retried; a `failure` with a 4xx is final.
 */
export function formAttempt(baseUrl: string, roomId: string, cookie: string): (message: Written) => Promise<undefined> {
	return async ({ text, key }) => {
		let response: Response;
		try {
			response = await fetch(`${baseUrl}/rooms/${roomId}?/send`, {
				method: 'POST',
				headers: {
					// What the stand-in proxy adds on SvelteKit 3 (see generation.ts), or the
					// app takes the post for a cross-site one.
					...proxyHeaders,
					cookie,
					origin: baseUrl,
					accept: 'application/json',
					'x-sveltekit-action': 'true',
					'content-type': 'application/x-www-form-urlencoded'
				},
				body: new URLSearchParams({ text, key }),
				redirect: 'manual',
				signal: AbortSignal.timeout(10_000)
			});
		} catch (problem) {
			const cause = (problem as { cause?: { code?: string; message?: string } }).cause;
			throw new AttemptFailed(`fetch failed: ${cause?.code ?? cause?.message ?? (problem as Error).message}`, false);
		}
		const body = await response.text().catch(() => '');
		let result: { type?: string; status?: number } = {};
		try {
			result = JSON.parse(body) as typeof result;
		} catch {
			// a 5xx page from a stopping server, or a cut in the middle of the body
		}
		if (response.ok && result.type === 'success') return undefined;
		const status = result.type === 'failure' && typeof result.status === 'number' ? result.status : response.status;
		throw new AttemptFailed(`HTTP ${response.status} ${result.type ?? ''} ${body.slice(0, 200)}`.trim(), !retryable(status));
	};
}

/** A message row of the room, with its author's name as the page shows it. */
export interface StoredMessage {
	id: number;
	text: string;
	name: string;
	createdAt: string;
}

/** The room's messages in id order, read from the SQLite file the app writes (WAL: readers do not block it). */
export function storedMessages(databasePath: string, roomId: string): StoredMessage[] {
	const db = new Database(databasePath, { readonly: true, fileMustExist: true });
	try {
		return db
			.prepare<[string], StoredMessage>(
				`SELECT messages.id, messages.text, users.name AS name, messages.created_at AS createdAt
				FROM messages JOIN users ON users.id = messages.user_id
				WHERE messages.room_id = ? ORDER BY messages.id`
			)
			.all(roomId);
	} finally {
		db.close();
	}
}

/** How a list a member holds differs from the database's. All empty means equal. */
export interface ListDifference {
	/** In the database, never received. */
	lost: Array<string | number>;
	/** Received more than once. */
	duplicated: Array<string | number>;
	/** Received but not in the database (made up, or another room's). */
	extra: Array<string | number>;
	/** Received after one that the database has later. */
	outOfOrder: Array<{ position: number; item: string | number; after: string | number }>;
}

/** Compares a received list with the database's, which is in the one true order. */
export function compareLists<T extends string | number>(received: T[], expected: T[]): ListDifference {
	const rank = new Map(expected.map((item, index) => [item, index]));
	const seen = new Map<T, number>();
	for (const item of received) seen.set(item, (seen.get(item) ?? 0) + 1);
	const difference: ListDifference = {
		lost: expected.filter((item) => !seen.has(item)),
		duplicated: [...seen].filter(([, count]) => count > 1).map(([item]) => item),
		extra: received.filter((item) => !rank.has(item)),
		outOfOrder: []
	};
	let highest = -1;
	let highestItem: T | undefined;
	received.forEach((item, position) => {
		const at = rank.get(item);
		if (at === undefined) return;
		if (at < highest) difference.outOfOrder.push({ position, item, after: highestItem! });
		else if (at > highest) [highest, highestItem] = [at, item];
	});
	return difference;
}

const LABELS: Record<keyof ListDifference, string> = {
	lost: 'lost',
	duplicated: 'duplicated',
	extra: 'not in the database',
	outOfOrder: 'out of order'
};

/** `0 lost, 0 duplicated, …` with the first few entries of each non-empty part. */
export function summarise(difference: ListDifference, limit = 10): string {
	return (Object.keys(LABELS) as Array<keyof ListDifference>)
		.map((part) => {
			const list: unknown[] = difference[part];
			const shown = list.slice(0, limit).map((entry) => JSON.stringify(entry));
			return `${list.length} ${LABELS[part]}${list.length > 0 ? ` (${shown.join(', ')}${list.length > limit ? ', …' : ''})` : ''}`;
		})
		.join(', ');
}

/** Nearest-rank percentile of a non-empty list. */
export function percentile(values: number[], p: number): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/**
 * Resolves with the time something first answered HTTP at `url` (any status), polling every
 * 10 ms: the moment a restarted process serves, finer than startApp()'s 100 ms poll of a
 * whole page render. Resolves undefined after `timeout` ms.
 */
export async function firstAnswer(url: string, timeout: number): Promise<number | undefined> {
	const deadline = Date.now() + timeout;
	while (Date.now() < deadline) {
		try {
			const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
			await response.arrayBuffer();
			return Date.now();
		} catch {
			await new Promise((resolve) => setTimeout(resolve, 10));
		}
	}
	return undefined;
}

/** Resolves after `ms` milliseconds (at once for a negative wait). */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Polls `condition` every `interval` ms; resolves false if it is still false after `timeout` ms. */
export async function waitFor(condition: () => boolean | Promise<boolean>, timeout: number, interval = 100): Promise<boolean> {
	const deadline = Date.now() + timeout;
	for (;;) {
		if (await condition()) return true;
		if (Date.now() >= deadline) return false;
		await sleep(interval);
	}
}

/**
 * Whether a status log left `joined` between `at` and `until` (or was not joined at `at`),
 * and when it was `joined` again. A cut need not drop everyone: a tab on HTTP long-polling
 * keeps its Engine.IO session across a new TCP connection.
 */
export function backAfter(log: StatusEntry[], at: number, until: number): { dropped: boolean; rejoinedAt?: number } {
	let down = log.filter((entry) => entry.at < at).pop()?.status !== 'joined';
	for (const entry of log) {
		if (entry.at < at) continue;
		if (entry.at >= until && !down) break;
		if (entry.status !== 'joined') down = true;
		else if (down) return { dropped: true, rejoinedAt: entry.at };
	}
	return { dropped: down };
}

/** `p50 … p99 … max …` in seconds, or `none` for an empty list. */
export function spread(values: number[]): string {
	if (values.length === 0) return 'none';
	const s = (ms: number) => (ms / 1000).toFixed(2) + 's';
	return `p50 ${s(percentile(values, 50))} p99 ${s(percentile(values, 99))} max ${s(Math.max(...values))} (n=${values.length})`;
}
