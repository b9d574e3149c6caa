// Type-level tests of liveList and liveValue, checked by `tsc --noEmit` (never run). Each
// `@ts-expect-error` fails the check if the line below it stops being an error.
import { liveList, liveValue, type LiveList, type Room, type RoomWithEvents, type WireValue } from 'liverpc/client';
import type * as chat from '../fixtures/routes/rooms/[roomId]/chat.socket.js';
import type { ChatMessage } from '../fixtures/store.js';

declare const chatRoom: Room<typeof chat>;

// The event's payload type flows into the items, the key and the order.
const messages = liveList(chatRoom, 'message', { key: (m) => m.seq, order: (a, b) => a.seq - b.seq, limit: 50 });
const items: readonly WireValue<ChatMessage>[] = messages.items;
const first: string | undefined = messages.items[0]?.text;
// @ts-expect-error items are ChatMessages, not notices
const notices: readonly { text: string; level: number }[] = messages.items;
// @ts-expect-error the list is read-only: it changes only with the room's events
messages.items.push(messages.items[0]!);

// A key function must read the payload's fields.
// @ts-expect-error a ChatMessage has no 'id'
liveList(chatRoom, 'message', { key: (m) => m.id });
// @ts-expect-error order compares two ChatMessages
liveList(chatRoom, 'message', { order: (a: { id: number }, b: { id: number }) => a.id - b.id });

// Only the room's events can be listed.
// @ts-expect-error no event named 'typing'
liveList(chatRoom, 'typing');
// @ts-expect-error send is a call, not an event
liveList(chatRoom, 'send');
// @ts-expect-error no event named 'typing' to remove by
liveList(chatRoom, 'message', { key: (m) => m.seq, remove: { typing: () => 1 } });

// `remove` reads the removed item's key from the removing event's payload: same key type.
liveList(chatRoom, 'message', { key: (m) => m.text, remove: { notice: (n) => n.text } });
// @ts-expect-error the key is a number (seq); a notice gives a string
liveList(chatRoom, 'message', { key: (m) => m.seq, remove: { notice: (n) => n.text } });
// @ts-expect-error without `key` nothing can be removed
liveList(chatRoom, 'message', { remove: { notice: (n) => n.text } });
// @ts-expect-error limit is a number
liveList(chatRoom, 'message', { limit: '50' });

// The newest payload of an event, or undefined.
const notice = liveValue(chatRoom, 'notice');
const text: string | undefined = notice.value?.text;
// @ts-expect-error value may be undefined
const sure: string = notice.value.text;
// @ts-expect-error no event named 'typing'
liveValue(chatRoom, 'typing');

// A component that takes rooms of several contracts names the events it needs.
declare function chatView(room: RoomWithEvents<{ message: ChatMessage }>): LiveList<ChatMessage>;
chatView(chatRoom);
// @ts-expect-error a room without a `message` event of ChatMessages
chatView({} as RoomWithEvents<{ message: { body: string } }>);
declare const viewRoom: RoomWithEvents<{ message: ChatMessage }>;
const viewed: readonly ChatMessage[] = liveList(viewRoom, 'message', { key: (m) => m.seq }).items;

void [items, first, notices, text, sure, viewed];
