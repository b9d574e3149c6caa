import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** One room contract file and the route id its path gives it. */
export interface ContractFile {
	/** Absolute path, e.g. `/app/src/routes/rooms/[roomId]/chat.socket.ts`. */
	file: string;
	/** SvelteKit-style route id without a leading slash, e.g. `rooms/[roomId]/chat`. */
	routeId: string;
}

/** What an app's source tree holds for LiveRPC. */
export interface SocketFiles {
	/** `src/hooks.socket.ts` (or `.js`) when present. */
	hooks: string | undefined;
	contracts: ContractFile[];
}

const CONTRACT_FILE = /\.socket\.(ts|js)$/;

/**
 * The route id of a contract file: its path under the routes directory, without the
 * `.socket.ts` suffix. Segments stay as SvelteKit writes them (`[param]`, `[...rest]`,
 * `[[optional]]`, `(group)`); the runtime's route pattern gives them their meaning.
 *
 * @example
 * ```ts
 * routeIdOf('/app/src/routes', '/app/src/routes/rooms/[roomId]/chat.socket.ts'); // 'rooms/[roomId]/chat'
 * ```
 */
export function routeIdOf(routesDir: string, file: string): string {
	const relative = path.relative(routesDir, file).split(path.sep).join('/');
	if (relative.startsWith('../') || path.isAbsolute(relative)) {
		throw new Error(`${file} is not under ${routesDir}`);
	}
	return relative.replace(CONTRACT_FILE, '');
}

/** Whether a path is a room contract file under the routes directory. */
export function isContractFile(routesDir: string, file: string): boolean {
	if (!CONTRACT_FILE.test(file)) return false;
	const relative = path.relative(routesDir, file);
	return !relative.startsWith('..') && !path.isAbsolute(relative);
}

/**
 * Finds `hooks.socket.{ts,js}` and every `*.socket.{ts,js}` under the routes directory.
 * Two files that give one route id (`chat.socket.ts` beside `chat.socket.js`) are an error:
 * which one serves the room would otherwise depend on directory order.
 *
 * @param hooksBase the hooks file without extension, e.g. `/app/src/hooks.socket`
 */
export function findSocketFiles(routesDir: string, hooksBase: string): SocketFiles {
	const hooks = ['.ts', '.js'].map((extension) => hooksBase + extension).filter(isFile);
	if (hooks.length > 1) throw new Error(`Both ${hooks[0]} and ${hooks[1]} exist: keep one socket hooks file`);

	const contracts: ContractFile[] = [];
	const seen = new Map<string, string>();
	const visit = (dir: string) => {
		for (const entry of readdirSync(dir, { withFileTypes: true })) {
			const full = path.join(dir, entry.name);
			if (entry.isDirectory()) {
				if (entry.name !== 'node_modules' && !entry.name.startsWith('.')) visit(full);
			} else if (CONTRACT_FILE.test(entry.name)) {
				const routeId = routeIdOf(routesDir, full);
				const other = seen.get(routeId);
				if (other) throw new Error(`${other} and ${full} both define room '${routeId}': keep one`);
				seen.set(routeId, full);
				contracts.push({ file: full, routeId });
			}
		}
	};
	if (isDirectory(routesDir)) visit(routesDir);
	contracts.sort((a, b) => a.routeId.localeCompare(b.routeId));
	return { hooks: hooks[0], contracts };
}

function isFile(file: string): boolean {
	try {
		return statSync(file).isFile();
	} catch {
		return false;
	}
}

function isDirectory(dir: string): boolean {
	try {
		return statSync(dir).isDirectory();
	} catch {
		return false;
	}
}
