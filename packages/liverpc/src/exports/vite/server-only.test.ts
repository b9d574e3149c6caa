import { expect, it } from 'vitest';
import { browserMayLoad, refusesRequest, withholdSocketSource } from './server-only.js';

// The decisions of the dev server's guard; test/vite-server-only.test.ts sends them for real.
const paths = { root: '/app', routesDir: '/app/src/routes' };

it('lets the browser load a contract only as a plain module, and never the hooks or another socket file', () => {
	expect(browserMayLoad('/app/src/routes/chat.socket.ts', paths)).toBe(true);
	expect(browserMayLoad('/app/src/routes/chat.socket.ts?t=1', paths)).toBe(true);
	expect(browserMayLoad('/app/src/lib/ui.ts?raw', paths)).toBe(true);
	for (const id of ['/app/src/routes/chat.socket.ts?raw', '/app/src/routes/chat.socket.ts?url', '/app/src/routes/chat.socket.ts?worker_file&type=module', '/app/src/hooks.socket.ts', '\0/app/src/hooks.socket.ts', '/app/src/lib/x.socket.ts', '/app/src/routes/CHAT.SOCKET.TS']) {
		expect(browserMayLoad(id, paths), id).toBe(false);
	}
});

it('refuses requests naming a socket file in any spelling, and passes the rest', () => {
	for (const url of ['/src/hooks.socket.ts', '/src/hooks%2esocket.ts', '/src/hooks%252esocket%252ets', '//src//hooks.socket.ts', '/@fs/app/src/hooks.socket.ts', '/@id/src/hooks.socket.ts', '/src/hooks.socket', '/src/routes/chat.socket.ts?raw', '/src/x/../routes/chat.socket.ts?inline', '/src/routes/chat.socket.ts/']) {
		expect(refusesRequest(url, paths, '/'), url).toBe(true);
	}
	for (const url of ['/src/routes/chat.socket.ts', '/src/routes/chat.socket.ts?import&t=5', '/src/lib/socket.ts', '/_liverpc/?EIO=4&transport=polling', '/@vite/client']) {
		expect(refusesRequest(url, paths, '/'), url).toBe(false);
	}
	expect(refusesRequest('/base/src/hooks.socket.ts', paths, '/base/')).toBe(true);
});

it('withholds every detail of an error that names a socket file', () => {
	const error = { message: 'Unexpected token', id: '/app/src/routes/chat.socket.ts', frame: "1 | const secret = 'x' +;", stack: 'at chat.socket.ts:1', loc: { file: '/app/src/routes/chat.socket.ts', line: 1 } };
	const shown = withholdSocketSource(error, '/app');
	expect(shown).toEqual({ message: expect.stringContaining('src/routes/chat.socket.ts could not be loaded'), stack: '', plugin: undefined });
	expect(JSON.stringify(shown)).not.toContain('secret');
	const other = { message: 'Unexpected token', id: '/app/src/lib/ui.ts' };
	expect(withholdSocketSource(other, '/app')).toBe(other);
});
