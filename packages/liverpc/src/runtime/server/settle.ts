/**
 * Runs `then` on a value that may or may not be a promise, without creating one when it
 * is not. Hot paths (every call, every handshake) use it so a synchronous handler stays
 * synchronous.
 */
export function settle<T>(value: T | Promise<T>, then: (resolved: T) => void, fail: (reason: unknown) => void): void {
	if (value instanceof Promise) value.then(then, fail);
	else then(value);
}
