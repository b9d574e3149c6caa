// liverpc/server, with `params` typed from this folder's name (it has none).
import { call, error, event } from './$socket';
import { LOBBY_ID } from '$lib/server/db';
import * as messages from '$lib/server/messages';
import { sendInput } from '$lib/server/message-text';
import type { ChatMessage } from '$lib/types';

// The public lobby, lobby/chat: anyone may read, even without a session; only signed-in
// users may post.

/** A message someone posted, pushed to everyone in the lobby; its history as in the tenant rooms. */
export const message = event<ChatMessage>({
	id: 'id',
	history: ({ lastEventId, limit, before }) => messages.since(LOBBY_ID, lastEventId, limit, before)
});

// No join guard: the lobby is public, and its history comes with the `message` event.

export const send = call(sendInput, async ({ text, key }, { locals }) => {
	if (!locals.user) error(401, 'Sign in to post in the lobby');
	const { message: saved, created } = messages.add(LOBBY_ID, locals.user, text, key);
	if (created) message.emit(saved);
	return saved;
});
