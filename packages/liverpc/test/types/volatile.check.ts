// Type-level tests of volatile events (#21), checked by `tsc --noEmit` (never run). Each
// `@ts-expect-error` fails the check if the line below it stops being an error.
import { liveList, type Room } from 'liverpc/client';
import { event } from 'liverpc/server';

type Typing = { userId: string; name: string; typing: boolean };

// The latest per room, or per value of a payload field.
const cursor = event<{ x: number; y: number }>({ volatile: true });
const typing = event<Typing>({ volatile: { key: 'userId' } });
event<Typing>({ volatile: { key: 'typing' } });

// A volatile event is not logged: nothing to resume by id, nothing to replay.
// @ts-expect-error volatile with id
event<{ id: number; x: number }>({ volatile: true, id: 'id' });
// @ts-expect-error volatile with history
event<{ id: number; x: number }>({ volatile: true, history: () => [] });
// @ts-expect-error volatile with both, as a logged event has them
event<{ id: number; x: number }>({ id: 'id', history: () => [], volatile: { key: 'x' } });
// @ts-expect-error the key names a payload field
event<Typing>({ volatile: { key: 'user' } });
// @ts-expect-error the key is a field with a plain value (a string, number or boolean), not an object
event<{ at: { x: number } }>({ volatile: { key: 'at' } });
// @ts-expect-error volatile is true or { key }
event<Typing>({ volatile: false });

// Emitted as any event, with its payload type.
typing.emit({ userId: 'u1', name: 'Alice', typing: true });
// @ts-expect-error typing is a boolean
typing.emit({ userId: 'u1', name: 'Alice', typing: 'yes' });
// @ts-expect-error a cursor has x and y
cursor.to({}).emit({ x: 1 });

// On the client: who is typing, each entry gone by itself after 5 s without news.
const board = { typing, cursor };
declare const room: Room<typeof board>;
const typists = liveList(room, 'typing', { key: (t) => t.userId, expire: 5000 });
const names: string[] = typists.items.filter((t) => t.typing).map((t) => t.name);
// @ts-expect-error expire is a number of milliseconds
liveList(room, 'typing', { key: (t) => t.userId, expire: '5s' });
// @ts-expect-error the payload has no 'id' to key by
liveList(room, 'typing', { key: (t) => t.id, expire: 5000 });
void names;
