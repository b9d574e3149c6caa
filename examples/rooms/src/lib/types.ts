// Shapes shared by the server, the socket contracts and the pages. Types only, so importing
// this file from a page never pulls server code into the browser.

/** Who is signed in: only what pages and socket handlers need, never the raw session row. */
export type SessionUser = {
	id: string;
	name: string;
	tenantId: string;
};

/** One chat message as stored, sent live and shown. `id` grows, so it orders messages. */
export type ChatMessage = {
	id: number;
	roomId: string;
	userId: string;
	userName: string;
	text: string;
	createdAt: string;
	/**
	 * The key its sender gave it (see message-key.ts), when it gave one: the sender's page
	 * finds by it the copy it showed before the server answered. Unique per sender only.
	 */
	key?: string;
};

/** Someone started or stopped typing in a room: sent as a volatile event, never stored. */
export type Typing = {
	userId: string;
	name: string;
	typing: boolean;
};
