// Type-level tests of the `logger` option (#22), checked by `tsc --noEmit` (never run). Each
// `@ts-expect-error` fails the check if the line below it stops being an error.
import type { LiveLogger, LiveOptions, LogFields } from 'liverpc/server';

// pino's shape: (fields, message) at info, warn and error.
const lines: Array<[string, LogFields, string]> = [];
const recording: LiveLogger = {
	info: (fields, message) => void lines.push(['info', fields, message]),
	warn: (fields, message) => void lines.push(['warn', fields, message]),
	error: (fields, message) => void lines.push(['error', fields, message])
};
export const withLogger: LiveOptions = { logger: recording };

// A logger of pino's kind: methods with overloads, extra methods and fields are fine.
declare const pinoLike: {
	level: string;
	info(obj: object, msg?: string): void;
	warn(obj: object, msg?: string): void;
	error(obj: object, msg?: string): void;
	debug(obj: object, msg?: string): void;
	child(bindings: object): unknown;
};
export const withPino: LiveOptions = { logger: pinoLike };

// The fields LiveRPC writes are typed: an error id is a string.
export const errorId: string | undefined = ({} as LogFields).errorId;

// @ts-expect-error a logger needs warn and error too
export const partial: LiveOptions = { logger: { info: () => {} } };
// @ts-expect-error a method takes (fields, message), not a number
export const wrongArgs: LiveOptions = { logger: { info: (level: number) => level, warn: () => {}, error: () => {} } };
