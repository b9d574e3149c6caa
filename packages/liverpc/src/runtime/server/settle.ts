/**
 * Runs `then` on a value that may or may not be a promise, without creating one when it
 * is not. Hot paths (every call, every handshake) use it so a synchronous handler stays
 * synchronous.
 */
export function settle<T>(value: T | PromiseLike<T>, then: (resolved: T) => void, fail: (reason: unknown) => void): void {
	if (isThenable(value)) value.then(then, fail);
	else then(value);
}

/** Any promise-like, not only native promises: a handler may return one from a library. */
export function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
	return typeof (value as PromiseLike<T> | null)?.then === 'function';
}
