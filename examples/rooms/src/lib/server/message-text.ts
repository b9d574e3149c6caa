import * as v from 'valibot';

// One rule for message text (and for the key a sender gives each message), used by the socket
// calls and by the no-JavaScript form actions, so a message cannot be accepted on one path and
// refused on the other.

export const MAX_MESSAGE_LENGTH = 2000;

/** Trimmed, not empty, at most MAX_MESSAGE_LENGTH characters. */
export const messageText = v.pipe(
	v.string('Write a message'),
	v.trim(),
	v.minLength(1, 'Write a message'),
	v.maxLength(MAX_MESSAGE_LENGTH, `Messages are at most ${MAX_MESSAGE_LENGTH} characters`)
);

/**
 * The sender's own key for one message (the page makes one per message), so a message sent
 * again after a lost reply or a restart is stored once. Optional: scripts may send without.
 */
export const requestKey = v.optional(
	v.pipe(v.string('Invalid message key'), v.regex(/^[A-Za-z0-9_-]{8,64}$/, 'Invalid message key'))
);

/** What the send call and the send form action take. */
export const sendInput = v.object({ text: messageText, key: requestKey });
