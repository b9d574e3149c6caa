// Type-level tests of loading older events (`loadEarlier()` of a liveList), checked by
// `tsc --noEmit` (never run). Each `@ts-expect-error` fails the check if the line below it
// stops being an error.
import { liveList, type HistoryEventNames, type LiveList, type PagedLiveList, type Room, type RoomWithEvents, type RoomWithHistory, type WireValue } from 'liverpc/client';
import { event, type EventWithHistory, type RoomEvent } from 'liverpc/server';
import type * as feed from '../fixtures/routes/feed/[feedId]/feed.socket.js';
import type * as chat from '../fixtures/routes/rooms/[roomId]/chat.socket.js';
import type { ChatMessage, FeedPost } from '../fixtures/store.js';

declare const feedRoom: Room<typeof feed>;
declare const chatRoom: Room<typeof chat>;

// An event with `id` and `history` is one older pages can be loaded from; the others are not.
const withHistory: EventWithHistory<FeedPost> = event<FeedPost>({ id: 'id', history: () => [] });
const plain: RoomEvent<{ n: number }> = event<{ n: number }>();
// @ts-expect-error an event without a history is no EventWithHistory
const notPaged: EventWithHistory<{ n: number }> = event<{ n: number }>();
const paged: HistoryEventNames<typeof feed> = 'post';
// @ts-expect-error `ping` has no history
const pingPaged: HistoryEventNames<typeof feed> = 'ping';

// A list of an event with a history loads older ones, typed as the list's items.
const posts = liveList(feedRoom, 'post', { key: (p) => p.id });
const added: Promise<number> = posts.loadEarlier();
posts.loadEarlier(20);
const loading: boolean = posts.loadingEarlier;
const more: boolean = posts.hasEarlier;
const postItems: readonly WireValue<FeedPost>[] = posts.items;
// @ts-expect-error count is a number of events
posts.loadEarlier('20');
// @ts-expect-error hasEarlier follows the server's pages: read-only
posts.hasEarlier = false;

// A list of an event without a history has no loadEarlier().
const pings = liveList(feedRoom, 'ping');
// @ts-expect-error `ping` has no history to load older ones from
void pings.loadEarlier();
const messages = liveList(chatRoom, 'message', { key: (m) => m.seq });
// @ts-expect-error chat's `message` has no history
void messages.loadEarlier();
const plainList: LiveList<WireValue<ChatMessage>> = messages;
// @ts-expect-error no event named 'typing'
liveList(feedRoom, 'typing');

// A component that loads older messages of rooms of several contracts names the event.
declare function pagedView(room: RoomWithHistory<{ post: FeedPost }, 'post'>): PagedLiveList<FeedPost>;
pagedView(feedRoom);
declare const chatLikeRoom: Room<typeof chat> & RoomWithEvents<{ post: FeedPost }>;
// @ts-expect-error a room whose contract has no history for `post`
pagedView(chatLikeRoom);
declare const viewRoom: RoomWithHistory<{ post: FeedPost }, 'post'>;
const viewed: PagedLiveList<FeedPost> = liveList(viewRoom, 'post', { key: (p) => p.id });
declare const eventsOnly: RoomWithEvents<{ post: FeedPost }>;
// @ts-expect-error a room typed by its events alone does not say `post` has a history
void liveList(eventsOnly, 'post').loadEarlier();

void [withHistory, plain, notPaged, paged, pingPaged, added, loading, more, postItems, plainList, viewed];
