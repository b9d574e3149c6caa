import type { RoutePattern } from './route-pattern.js';

/**
 * The room key used as the Socket.IO room: route id and room name together, so two routes
 * that can produce the same name (`admin/chat` and `[section]/chat`) never share members.
 * Route ids cannot contain '#', which keeps the split unambiguous.
 */
export function roomKey(pattern: RoutePattern, room: string): string {
	return `${pattern.id}#${room}`;
}
