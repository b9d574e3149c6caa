// Hooks, guards, handlers and schemas may answer with a value or a promise. The hot paths
// (every call, every handshake) branch on `isThenable` themselves so that a synchronous
// answer costs no closure; colder paths (errors, `handleError`) use `settle`.

/** Runs `then` on a value that may or may not be a promise, without creating one when it is not. */
export function settle<T>(value: T | PromiseLike<T>, then: (resolved: T) => void, fail: (reason: unknown) => void): void {
	if (isThenable(value)) value.then(then, fail);
	else then(value);
}

/** Any promise-like, not only native promises: a handler may return one from a library. */
export function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
	return typeof (value as PromiseLike<T> | null)?.then === 'function';
}
