// What a remembered call answer costs: call memory is capped in bytes, so each answer
// is measured once, when its call is answered. JSON.stringify would encode every answer a second
// time, and without a bound; this walk counts about what the JSON encoding would hold
// (strings by their length, binary by its bytes) and stops as soon as it passes `limit`, so
// an answer larger than any cap costs no more than the cap to measure.

/**
 * About the JSON size of `value` in bytes, or some number above `limit` once it is larger.
 *
 * @example
 * ```ts
 * answerSize({ id: 'a', n: 1 }, 1024); // 19
 * answerSize('x'.repeat(1e6), 1024);   // 1000002: over the limit, measured in one step
 * ```
 */
export function answerSize(value: unknown, limit: number): number {
	let size = 0;
	const stack: unknown[] = [value];
	while (stack.length > 0 && size <= limit) {
		const item = stack.pop();
		switch (typeof item) {
			case 'string':
				size += item.length + 2;
				break;
			case 'number':
			case 'bigint':
				size += 8;
				break;
			case 'boolean':
				size += 5;
				break;
			case 'object':
				if (item === null) size += 4;
				else if (ArrayBuffer.isView(item) || item instanceof ArrayBuffer) size += item.byteLength;
				else if (Array.isArray(item)) {
					size += 2;
					for (let i = 0; i < item.length && size <= limit; i++) {
						size += 1;
						stack.push(item[i]);
					}
				} else {
					size += 2;
					for (const key in item) {
						if (!Object.hasOwn(item, key)) continue;
						size += key.length + 4;
						stack.push((item as Record<string, unknown>)[key]);
						if (size > limit) break;
					}
				}
				break;
			default:
				size += 4;
		}
	}
	return size;
}
