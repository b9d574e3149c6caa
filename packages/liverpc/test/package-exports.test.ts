import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

// The other tests import src/ through the `liverpc-source` condition. This one runs plain
// Node on the built package, as an app would after `npm install liverpc`.
const script = `
import http from 'node:http';
import { attach } from 'liverpc/node';
import { handleSocket, join, call, event, error } from 'liverpc/server';
import { createClient, LiveError } from 'liverpc/client';

const said = event();
const room = {
  enter: join(({ locals }) => { if (!locals.name) error(401, 'Who are you?'); return { hello: locals.name }; }),
  say: call({ '~standard': { version: 1, vendor: 'inline', validate: (v) => typeof v === 'string' ? { value: v } : { issues: [{ message: 'not a string' }] } } },
    (text, { locals }) => { said.emit(locals.name + ': ' + text); return text.length; }),
  said
};
const server = http.createServer();
const live = attach(server, { handle: handleSocket(({ cookies }) => ({ locals: { name: cookies.get('name') } })), contracts: { 'shout/[channel]': room } });
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const client = createClient({ url: 'http://127.0.0.1:' + server.address().port, headers: { cookie: 'name=Ada' } });
const handle = client.live(room, { channel: 'main' });
const heard = new Promise((resolve) => handle.on('said', resolve));
const length = await handle.say('hi there');
const rejected = await handle.say(42).catch((e) => e instanceof LiveError && e.status);
console.log(JSON.stringify({ joined: handle.joined, length, heard: await heard, rejected }));
client.close();
await live.close();
`;

it('works from the built dist/ with plain Node and the public entry points', async () => {
	const cwd = fileURLToPath(new URL('..', import.meta.url));
	const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd, timeout: 20_000 });
	expect(JSON.parse(stdout)).toEqual({ joined: { hello: 'Ada' }, length: 8, heard: 'Ada: hi there', rejected: 400 });
});

// liverpc/testing from dist/, as an app's tests would import it after `npm install liverpc`.
const testingScript = `
import { createTestServer } from 'liverpc/testing';
import { join, call, event, error, admit } from 'liverpc/server';
const said = event();
const room = {
  enter: join(({ locals }) => { if (!locals.name) error(401, 'Who are you?'); return admit({ member: { name: locals.name }, reply: { hello: locals.name } }); }),
  said
};
room.say = call(room.enter, ({ member }) => { said.emit(member.name + ' was here'); return member.name; });
const server = createTestServer({ contracts: { 'shout/[channel]': room } });
const handle = await server.connect({ locals: { name: 'Ada' } }).join(room, { channel: 'main' });
const answer = await handle.say();
const refused = await server.connect().join(room, { channel: 'main' }).catch((e) => e.status);
console.log(JSON.stringify({ joined: handle.joined, answer, heard: await handle.next('said'), refused, listening: server.server.io.httpServer.listening }));
await server.close();
`;

it('runs liverpc/testing from the built dist/ with plain Node', async () => {
	const cwd = fileURLToPath(new URL('..', import.meta.url));
	const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', testingScript], { cwd, timeout: 20_000 });
	expect(JSON.parse(stdout)).toEqual({ joined: { hello: 'Ada' }, answer: 'Ada', heard: 'Ada was here', refused: 401, listening: false });
});
