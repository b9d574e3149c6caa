// Type-level tests of a live list's optimistic items, checked by `tsc --noEmit` (never run).
// Each `@ts-expect-error` fails the check if the line below it stops being an error.
import { liveList, type Room } from 'liverpc/client';
import type * as chat from '../fixtures/routes/rooms/[roomId]/chat.socket.js';

declare const chatRoom: Room<typeof chat>;

// `match` reads the idempotency key from the event's payload.
const messages = liveList(chatRoom, 'message', { key: (m) => m.seq, match: (m) => m.text });
// @ts-expect-error a ChatMessage has no 'key'
liveList(chatRoom, 'message', { match: (m) => m.key });

const draft = { seq: Number.MAX_SAFE_INTEGER, roomId: '1', userId: 'u-alice', text: 'hello' };

// The optimistic item is the event's payload; the call's answer comes back typed.
const sent = messages.optimistic(draft, chatRoom.send({ text: 'hello' }));
const answeredSeq: Promise<number> = sent.then((saved) => saved.seq);
// @ts-expect-error the answer is the call's, a ChatMessage, not a string
const wrongAnswer: Promise<string> = sent;
// @ts-expect-error an optimistic item has the payload's shape: 'body' is no field of a ChatMessage
messages.optimistic({ ...draft, body: 'hello' }, chatRoom.send({ text: 'hello' }));
// @ts-expect-error an optimistic item has every field of the payload ('userId' is missing)
messages.optimistic({ seq: 1, roomId: '1', text: 'hello' }, chatRoom.send({ text: 'hello' }));
// @ts-expect-error the second argument is the call itself, a promise
messages.optimistic(draft, () => chatRoom.send({ text: 'hello' }));

const pending: boolean = messages.isPending(messages.items[0]!);
// @ts-expect-error isPending takes an item of the list
messages.isPending('hello');

void [answeredSeq, wrongAnswer, pending];
