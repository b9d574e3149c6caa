/**
 * The numbers a client gives its calls: unique on the client, so a copy of a call sent
 * again after a lost ack keeps its number and the server runs it once; and the number below
 * which every call has its final answer, which each call carries so the server can forget
 * the answers the client already has.
 */
export class CallNumbers {
	/** The last number handed out. */
	#last = 0;
	/** Every call below this number has its final answer. */
	#answeredBelow = 1;
	/** Calls at or above #answeredBelow that have theirs: answers can come out of order. */
	#answeredAbove = new Set<number>();

	/** A number for a new call. */
	next(): number {
		return ++this.#last;
	}

	/** A call has its final answer, or failed for good: no copy of it will be sent. */
	answered(number: number): void {
		if (number !== this.#answeredBelow) {
			this.#answeredAbove.add(number);
			return;
		}
		this.#answeredBelow++;
		while (this.#answeredAbove.delete(this.#answeredBelow)) this.#answeredBelow++;
	}

	/** The number below which every call has its final answer. */
	get answeredBelow(): number {
		return this.#answeredBelow;
	}
}
