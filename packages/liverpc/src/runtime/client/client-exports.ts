// The names both entries of `liverpc/client` (`exports/client/index.ts` and its Svelte build
// `index.svelte.ts`) export as they are, listed once so the two cannot drift apart. Only
// `live`, `liveList`, `liveValue`, `getClient` and `createClient` differ between them, and are
// written in each entry.
export { LiveClient } from './live-client.js';
export type { ClientOptions, ConnectionStatus } from './live-client.js';
export { LiveError } from './live-error.js';
export type { Room, RoomBase, RoomStatus, JoinReplyOf, EventPayloadOf, HistoryEventNames, LiveParams, LiveSource, ParamsOf, PresenceOf, RoomEvents, RoomWithEvents, RoomWithHistory } from './room-types.js';
export type { LiveList, LiveListOptions, PagedLiveList } from './live-list.js';
export type { LiveValue } from './live-value.js';
export type { WireValue } from './wire-value.js';
export type { ErrorBody, ValidationIssue } from '../shared/protocol.js';
export type { RenderedRoom } from '../shared/rendered-room.js';
