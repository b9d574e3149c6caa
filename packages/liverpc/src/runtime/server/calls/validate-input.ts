import type { ValidationIssue } from '../../shared/protocol.js';
import { isThenable } from '../support/promise-or-value.js';
import { SocketError } from '../contract/socket-error.js';
import type { StandardIssue, StandardResult, StandardSchema } from '../contract/standard-schema.js';

/** A 400 carrying the schema's issues: paths and messages, never the offending values. */
export class InvalidInputError extends SocketError {
	constructor(issues: ValidationIssue[]) {
		super(400, 'Invalid input');
		this.body.issues = issues;
	}
}

/**
 * Checks a call's input against its schema and returns the schema's output (which may be
 * transformed: trimmed strings, defaults). Returns synchronously when the schema does, so
 * the common call pays for no extra promise.
 */
export function validateInput(schema: StandardSchema | undefined, input: unknown): unknown {
	if (!schema) {
		// A call without a schema takes no input; Socket.IO turns `undefined` into null.
		if (input !== null && input !== undefined) throw new InvalidInputError([{ path: [], message: 'This call takes no input' }]);
		return undefined;
	}
	const standard = schema['~standard'];
	const result = standard.validate(input);
	return isThenable(result) ? Promise.resolve(result).then((settled) => unwrapOrNothing(standard, settled, input)) : unwrapOrNothing(standard, result, input);
}

/**
 * The schema's output, or its issues as a 400. A call made with no argument arrives as null:
 * JSON has no undefined. When the schema refuses null, the caller may have meant "no input",
 * which an optional schema accepts; the answer is then the schema's, for undefined.
 * Only this failure path validates twice.
 */
function unwrapOrNothing(standard: StandardSchema['~standard'], settled: StandardResult<unknown>, input: unknown): unknown {
	if (!settled.issues || input !== null) return unwrap(settled, input);
	const nothing = standard.validate(undefined);
	const retry = (second: StandardResult<unknown>) => (second.issues ? unwrap(settled, input) : second.value);
	return isThenable(nothing) ? Promise.resolve(nothing).then(retry) : retry(nothing);
}

// Enough issues to fix a form; an input with a thousand bad fields gets no longer answer.
const MAX_ISSUES = 20;
const MAX_MESSAGE_LENGTH = 200;
/** Shown instead of a schema's message that would have repeated the input. */
const GENERIC_MESSAGE = 'Invalid value';

function unwrap(result: StandardResult<unknown>, input: unknown): unknown {
	if (!result.issues) return result.value;
	const echoes = inputFragments(input);
	throw new InvalidInputError(result.issues.slice(0, MAX_ISSUES).map((issue) => toValidationIssue(issue, echoes)));
}

/**
 * One issue as the caller sees it. Schema libraries write the offending value into their
 * default messages (valibot: `…but received "<value>"`; zod: `Unrecognized key: "<key>"`),
 * and an error body must never carry client input back: such a message is cut at
 * "but received", and one that still contains a piece of the input is replaced. The
 * app's own messages (`v.minLength(1, 'Write a message')`) come through unchanged.
 */
function toValidationIssue(issue: StandardIssue, echoes: Set<string>): ValidationIssue {
	const path: Array<string | number> = [];
	for (const segment of issue.path ?? []) {
		const key = typeof segment === 'object' && segment !== null ? segment.key : segment;
		path.push(pathKey(key));
	}
	return { path, message: safeMessage(issue.message, echoes) };
}

// Keys in a path may have been invented by the client (a record's keys, an unknown key):
// only short identifier-like ones, which is what a schema's own keys are, are kept.
const SAFE_KEY = /^[A-Za-z_$][\w$-]{0,63}$/;

function pathKey(key: unknown): string | number {
	if (typeof key === 'number' && Number.isInteger(key)) return key;
	if (typeof key === 'string' && SAFE_KEY.test(key)) return key;
	return '*';
}

function safeMessage(message: unknown, echoes: Set<string>): string {
	if (typeof message !== 'string' || message === '') return GENERIC_MESSAGE;
	const cut = message.replace(/,?\s*but received\b[\s\S]*$/i, '');
	for (const fragment of echoes) if (cut.includes(fragment)) return GENERIC_MESSAGE;
	return cut.length > MAX_MESSAGE_LENGTH ? GENERIC_MESSAGE : cut;
}

/**
 * The strings, keys and numbers of an input (bounded in depth and count), three
 * characters or longer: shorter ones appear in any sentence and carry nothing.
 */
function inputFragments(input: unknown): Set<string> {
	const found = new Set<string>();
	const stack: Array<{ value: unknown; depth: number }> = [{ value: input, depth: 0 }];
	let visited = 0;
	const note = (text: string) => {
		if (text.length >= 3) found.add(text);
	};
	while (stack.length > 0 && visited++ < 500) {
		const { value, depth } = stack.pop()!;
		if (typeof value === 'string') note(value);
		else if (typeof value === 'number' || typeof value === 'bigint') note(String(value));
		else if (typeof value === 'object' && value !== null && depth < 8 && !ArrayBuffer.isView(value)) {
			let taken = 0;
			for (const key in value) {
				if (!Object.hasOwn(value, key)) continue;
				if (taken++ >= 100) break;
				if (!Array.isArray(value)) note(key);
				stack.push({ value: (value as Record<string, unknown>)[key], depth: depth + 1 });
			}
		}
	}
	return found;
}
