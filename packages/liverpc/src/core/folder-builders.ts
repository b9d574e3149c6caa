// `./$socket`: what a `.socket.ts` file imports its builders from to have `params` typed from
// its folder's name. For TypeScript it is a declaration file the Vite plugin writes for
// that folder (see route-types.ts); at run time it is `liverpc/server` itself, so a contract
// runs the same one copy of LiveRPC as the hooks and the server.

/** The import a contract writes for its folder's typed builders. */
export const FOLDER_BUILDERS = './$socket';

const SERVER_ENTRY = 'liverpc/server';

/** Whether an import source gives a contract its builders. */
export function isBuildersSource(source: unknown): boolean {
	return source === SERVER_ENTRY || source === FOLDER_BUILDERS || source === `${FOLDER_BUILDERS}.js`;
}

interface Node {
	type: string;
	start?: number;
	end?: number;
	[key: string]: unknown;
}

/**
 * The contract's code with every `./$socket` import or re-export pointing at
 * `liverpc/server` instead, or undefined when it has none.
 *
 * @param program the module's ESTree `Program`, with `start`/`end` offsets into `code`
 */
export function pointFolderBuildersAtServer(code: string, program: Node): string | undefined {
	const sources: Node[] = [];
	for (const statement of program.body as Node[]) {
		const source = statement.source as Node | null | undefined;
		if (!source || source.type !== 'Literal') continue;
		if (source.value === FOLDER_BUILDERS || source.value === `${FOLDER_BUILDERS}.js`) sources.push(source);
	}
	if (sources.length === 0) return undefined;
	let rewritten = '';
	let from = 0;
	for (const source of sources) {
		rewritten += code.slice(from, source.start) + JSON.stringify(SERVER_ENTRY);
		from = source.end!;
	}
	return rewritten + code.slice(from);
}
