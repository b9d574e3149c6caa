import type { ValidationIssue } from '../shared/protocol.js';
import { isThenable } from './promise-or-value.js';
import { SocketError } from './socket-error.js';
import type { StandardIssue, StandardResult, StandardSchema } from './standard-schema.js';

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
	const result = schema['~standard'].validate(input);
	return isThenable(result) ? Promise.resolve(result).then(unwrap) : unwrap(result);
}

function unwrap(result: StandardResult<unknown>): unknown {
	if (result.issues) throw new InvalidInputError(result.issues.map(toValidationIssue));
	return result.value;
}

function toValidationIssue(issue: StandardIssue): ValidationIssue {
	const path: Array<string | number> = [];
	for (const segment of issue.path ?? []) {
		const key = typeof segment === 'object' && segment !== null ? segment.key : segment;
		path.push(typeof key === 'number' ? key : String(key));
	}
	return { path, message: String(issue.message) };
}
