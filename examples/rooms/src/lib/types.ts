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
};

/** Someone started or stopped typing in a room: sent as a volatile event, never stored. */
export type Typing = {
	userId: string;
	name: string;
	typing: boolean;
};
