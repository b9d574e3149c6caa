import type { Server } from 'socket.io';
import type { PresenceRow } from '../../shared/protocol.js';
import type { ServerTelemetry } from '../telemetry/server-telemetry.js';
import { ActivityRing } from './activity-ring.js';
import { InspectorFeed } from './inspector-feed.js';
import { serveInspector, type InspectorHandler } from './inspector-routes.js';
import { takeSnapshot } from './inspector-snapshot.js';

/** How the Vite dev server turns the inspector on (`LiveServerParts.inspector`). */
export interface InspectorSettings {
	/** Show `locals` (and what members were admitted as) with their values, not only their shape. */
	showLocals?: boolean;
	/** Vite's `server.allowedHosts`, checked since the inspector answers before Vite's middlewares. */
	allowedHosts?: readonly string[] | true;
}

/** A running inspector: its request handler, and its streams to end on close. */
export interface DevInspector {
	handle: InspectorHandler;
	stop(): void;
}

/**
 * Starts recording a dev server's activity (from now on `telemetry.measuring` is true, so
 * calls and joins are timed) and serves the page that shows it with the server's connections
 * and rooms. Only `vite dev` makes one: `node build` records nothing.
 */
export function startInspector(io: Server, telemetry: ServerTelemetry, presence: (key: string) => PresenceRow[], settings: InspectorSettings): DevInspector {
	const ring = new ActivityRing();
	telemetry.activity = (activity) => ring.add(activity);
	const feed = new InspectorFeed(ring, () => takeSnapshot(io, presence, settings.showLocals === true));
	return {
		handle: serveInspector(feed, settings.allowedHosts),
		stop() {
			telemetry.activity = undefined;
			feed.stop();
		}
	};
}
