import type { RedisClient } from '../options/redis-client.js';
import { consoleLogger, writeLog, type LiveLogger, type LogFields } from '../telemetry/live-logger.js';

/** Writes one log line (the server's `logger`); the console when none is given. */
export type LogLine = (level: keyof LiveLogger, fields: LogFields, message: string) => void;

/** Where a cluster part writes when it was given no logger (its unit tests): the console. */
export const consoleLine: LogLine = (level, fields, message) => writeLog(consoleLogger, level, fields, message);

/**
 * Whether this process can reach Redis, from the connection events of the clients it uses
 * (the app's, for commands, and LiveRPC's subscriber). Redis down is an outage of Redis, not
 * of the process: every client gets an 'error' listener (without one, node-redis's 'error'
 * event would end the process), and the outage is logged once when it starts and once when
 * it ends, however many commands failed in between.
 */
export class RedisLink {
	#clients = new Map<RedisClient, boolean>();
	#lostAt: number | undefined;
	#onBack = new Set<(client: RedisClient) => void>();
	#detach: Array<() => void> = [];
	readonly #log: LogLine;

	constructor(log: LogLine = consoleLine) {
		this.#log = log;
	}

	/** Follows a client's connection; `ready` says whether it is connected now. */
	watch(client: RedisClient): void {
		this.#clients.set(client, client.isReady);
		const onError = (problem: Error) => this.#lost(client, problem);
		const onEnd = () => this.#lost(client, undefined);
		const onReady = () => this.#ready(client);
		client.on('error', onError);
		client.on('end', onEnd);
		client.on('ready', onReady);
		this.#detach.push(() => {
			client.off?.('error', onError);
			client.off?.('end', onEnd);
			client.off?.('ready', onReady);
		});
	}

	/** Whether every watched client is connected. */
	get up(): boolean {
		for (const ready of this.#clients.values()) if (!ready) return false;
		return true;
	}

	/** Whether Redis was reachable and is not now (an outage, not a start that is still connecting). */
	get lost(): boolean {
		return this.#lostAt !== undefined;
	}

	/** Called each time a client is connected again after it was lost. */
	onReconnect(listener: (client: RedisClient) => void): void {
		this.#onBack.add(listener);
	}

	/** Stops listening (the server closed); the 'error' listeners stay, so a late error cannot end the process. */
	stop(): void {
		for (const detach of this.#detach.splice(0)) detach();
		this.#onBack.clear();
		for (const client of this.#clients.keys()) client.on('error', ignore);
	}

	#lost(client: RedisClient, problem: Error | undefined): void {
		const wasReady = this.#clients.get(client);
		this.#clients.set(client, false);
		if (this.#lostAt !== undefined || wasReady === false) return;
		this.#lostAt = Date.now();
		const why = problem?.message ? `: ${problem.message}` : '';
		this.#log('error', { reason: 'redis-lost' }, `Redis lost${why}. Room events and presence changes wait in this process until it is back.`);
	}

	#ready(client: RedisClient): void {
		const wasReady = this.#clients.get(client);
		this.#clients.set(client, true);
		if (this.#lostAt !== undefined && this.up) {
			const seconds = ((Date.now() - this.#lostAt) / 1000).toFixed(1);
			this.#lostAt = undefined;
			this.#log('info', { reason: 'redis-back' }, `Redis is back after ${seconds} s.`);
		}
		if (wasReady === false) for (const listener of this.#onBack) listener(client);
	}
}

function ignore(): void {}
