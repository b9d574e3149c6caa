import * as v from 'valibot';
import { call, error, event, join } from 'liverpc/server';
import { LOBBY_ID } from '$lib/server/db';
import * as messages from '$lib/server/messages';
import { messageText } from '$lib/server/message-text';
import type { ChatMessage } from '$lib/types';

// The public lobby, lobby/chat: anyone may read, even without a session; only signed-in
// users may post.

/** A message someone posted, pushed to everyone in the lobby. */
export const message = event<ChatMessage>();

// No check: the lobby is public. The join still exists to hand over the history.
export const enter = join(() => ({ history: messages.latest(LOBBY_ID, 50) }));

export const send = call(v.object({ text: messageText }), async ({ text }, { locals }) => {
	if (!locals.user) error(401, 'Sign in to post in the lobby');
	const saved = messages.add(LOBBY_ID, locals.user, text);
	message.emit(saved);
	return saved;
});
