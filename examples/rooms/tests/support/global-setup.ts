import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// The tests run the production build as `node build` serves it; `npm test` builds it first.
export default function assertBuilt(): void {
	for (const file of ['../../build/index.js', '../../build/sockets.js', '../../build/handler.js']) {
		if (!existsSync(fileURLToPath(new URL(file, import.meta.url)))) {
			throw new Error(`No ${file.slice(6)}: run \`npm run build\` in examples/rooms before the browser tests`);
		}
	}
}
