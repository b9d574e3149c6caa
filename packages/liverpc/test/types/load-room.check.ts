// Type-level tests of server-rendered rooms, checked by `tsc --noEmit` (never run). Each
// `@ts-expect-error` fails the check if the line below it stops being an error.
import { live, liveList, type RenderedRoom, type WireValue } from 'liverpc/client';
import { loadRoom, type RenderRequest } from 'liverpc/server';
import * as chat from '../fixtures/routes/rooms/[roomId]/chat.socket.js';
import * as notes from '../fixtures/routes/notes/notes.socket.js';
import type { ChatMessage } from '../fixtures/store.js';

declare const event: RenderRequest & { params: { roomId: string } };

// loadRoom's answer carries its contract, and live() types the room from it.
const rendered: Promise<RenderedRoom<typeof chat>> = loadRoom(chat, event);
declare const chatRendered: Awaited<typeof rendered>;
const room = live(chat, chatRendered);
const items: readonly WireValue<ChatMessage>[] = liveList(room, 'message').items;
// Params or a rendered room, never both, and never the page's whole data.
live(chat, { roomId: '1' });
// @ts-expect-error a room rendered for another contract
live(chat, {} as RenderedRoom<typeof notes>);
// @ts-expect-error the page's data, not the room in it
live(chat, { chat: chatRendered });
// @ts-expect-error loadRoom needs the load's event (the request, its URL, the client's address)
void loadRoom(chat, { params: { roomId: '1' } });
// @ts-expect-error a rendered room is read, not written
chatRendered.route = 'x';

void items;
