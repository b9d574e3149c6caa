import * as v from 'valibot';

// One rule for message text, used by the socket calls and by the no-JavaScript form actions,
// so a message cannot be accepted on one path and refused on the other.

export const MAX_MESSAGE_LENGTH = 2000;

/** Trimmed, not empty, at most MAX_MESSAGE_LENGTH characters. */
export const messageText = v.pipe(
	v.string('Write a message'),
	v.trim(),
	v.minLength(1, 'Write a message'),
	v.maxLength(MAX_MESSAGE_LENGTH, `Messages are at most ${MAX_MESSAGE_LENGTH} characters`)
);
