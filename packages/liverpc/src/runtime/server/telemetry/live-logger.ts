import { inspect } from 'node:util';

/**
 * What a log line says besides its message: where it happened and how to find it again.
 * Never a value a client sent, so a line can be shipped to a log store as it is.
 */
export interface LogFields {
	/** The Socket.IO id of the connection, when one is concerned. */
	connectionId?: string;
	/** The route id of the room (`/rooms/[id]`), never its params' values. */
	route?: string;
	/** The id a 500 answer carried, so an operator finds the line from a user's report. */
	errorId?: string;
	/** A short machine-readable cause: `origin`, `address-connections`, `call-rate`, … */
	reason?: string;
	/** The error, when something was thrown (pino serializes it under this name). */
	err?: unknown;
	[field: string]: unknown;
}

/**
 * Where LiveRPC writes its log lines: one line per notable thing (a refused handshake, a
 * limit hit, an unexpected error, Redis lost or back, a shutdown). The shape is pino's,
 * bunyan's and most loggers': fields first, then the message, so `logger: pino()` works
 * as it is. The default writes to the console.
 *
 * @example
 * ```ts
 * import pino from 'pino';
 * export const options: LiveOptions = { logger: pino({ name: 'liverpc' }) };
 * ```
 */
export interface LiveLogger {
	info(fields: LogFields, message: string): void;
	warn(fields: LogFields, message: string): void;
	error(fields: LogFields, message: string): void;
}

/**
 * The default logger, on the console: `[liverpc] message, error id … (connection …, route …):`
 * then the error as the console prints it (with its stack).
 */
export const consoleLogger: LiveLogger = Object.freeze({
	info: (fields: LogFields, message: string) => console.info(...consoleLine(fields, message)),
	warn: (fields: LogFields, message: string) => console.warn(...consoleLine(fields, message)),
	error: (fields: LogFields, message: string) => console.error(...consoleLine(fields, message))
});

function consoleLine(fields: LogFields, message: string): unknown[] {
	const { connectionId, route, errorId, reason: _reason, err, ...rest } = fields;
	const details: string[] = [];
	// Fields left undefined (a site that has no connection) say nothing; `reason` is for
	// machines (the message says it in words).
	if (connectionId !== undefined) details.push(`connection ${connectionId}`);
	if (route !== undefined) details.push(`route ${route}`);
	for (const [name, value] of Object.entries(rest)) if (value !== undefined) details.push(`${name} ${typeof value === 'string' ? value : inspect(value)}`);
	const id = errorId === undefined ? '' : `, error id ${errorId}`;
	const line = `[liverpc] ${message}${id}${details.length > 0 ? ` (${details.join(', ')})` : ''}`;
	return err === undefined ? [line] : [`${line}:`, err];
}

/**
 * Calls a logger method that must not throw into LiveRPC: a logger that fails loses its
 * line, never the process (the line goes to the console instead).
 */
export function writeLog(logger: LiveLogger, level: keyof LiveLogger, fields: LogFields, message: string): void {
	try {
		logger[level](fields, message);
	} catch (thrown) {
		if (logger !== consoleLogger) consoleLogger.error({ ...fields, loggerError: thrown instanceof Error ? thrown.message : 'unknown' }, message);
	}
}
