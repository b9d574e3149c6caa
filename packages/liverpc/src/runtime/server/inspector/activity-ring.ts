import type { Activity } from '../telemetry/server-telemetry.js';

/** An activity with its place in the ring's sequence, so a reader can ask for what came after. */
export interface NumberedActivity extends Activity {
	seq: number;
}

/**
 * The last `capacity` activities of a dev server (calls, joins, events, refusals), oldest
 * dropped first: the inspector shows recent traffic, and a busy dev server (a load script
 * against `vite dev`) must not grow its memory with every call it answers.
 */
export class ActivityRing {
	readonly capacity: number;
	#slots: Array<NumberedActivity | undefined>;
	/** The sequence number of the last activity added; 0 before any. */
	#last = 0;

	constructor(capacity = 200) {
		this.capacity = capacity;
		this.#slots = new Array<NumberedActivity | undefined>(capacity);
	}

	/** The sequence number of the newest activity (0 when none yet). */
	get last(): number {
		return this.#last;
	}

	add(activity: Activity): void {
		const seq = ++this.#last;
		this.#slots[seq % this.capacity] = { ...activity, seq };
	}

	/** The activities after `seq` that the ring still holds, oldest first. */
	since(seq: number): NumberedActivity[] {
		const from = Math.max(seq + 1, this.#last - this.capacity + 1, 1);
		const found: NumberedActivity[] = [];
		for (let each = from; each <= this.#last; each++) found.push(this.#slots[each % this.capacity]!);
		return found;
	}
}
