// Public entry `liverpc/server`: what `src/hooks.socket.ts` and `*.socket.ts` files import.
export { handleSocket } from '../../runtime/server/socket-hook.js';
export type { SocketHook, SocketHookInput, SocketHookResult } from '../../runtime/server/socket-hook.js';
export type { HandshakeCookies } from '../../runtime/server/handshake-cookies.js';
export { error, isSocketError, SocketError } from '../../runtime/server/socket-error.js';
export { join } from '../../runtime/server/join.js';
export type { RoomJoin } from '../../runtime/server/join.js';
export { call } from '../../runtime/server/call.js';
export type { RoomCall } from '../../runtime/server/call.js';
export { event } from '../../runtime/server/event.js';
export type { EventId, EventOptions, HistoryEvent, HistoryResult, RoomEvent } from '../../runtime/server/event.js';
export { getSocketEvent } from '../../runtime/server/socket-event-storage.js';
export { revoke } from '../../runtime/server/revocation.js';
export type { RevocationMatch } from '../../runtime/server/revocation.js';
export type { LiveLimits, LiveOptions, ProxyHeaders } from '../../runtime/server/live-options.js';
export type { BufferSettings } from '../../runtime/server/room-log.js';
export type { HandleSocketError, HandleSocketErrorInput, RoomParams, SocketEvent } from '../../runtime/server/types.js';
export type { StandardSchema } from '../../runtime/server/standard-schema.js';
export type { ErrorBody, ValidationIssue } from '../../runtime/shared/protocol.js';
