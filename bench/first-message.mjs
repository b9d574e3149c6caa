#!/usr/bin/env node
// How soon a room page shows its first message on a cold load (#21): Debian's Chromium
// against `node build` of examples/rooms, on loopback. Build the example first:
//   npm run build -w liverpc && npm run build -w rooms && node bench/first-message.mjs [--loads 20]
// Each load is a new browser context (no cache, no socket yet) of a signed-in user opening
// a room that holds messages. Reported per load, then as percentiles:
//   html       whether the HTML the server sent already holds a message
//   dcl        navigation start → DOMContentLoaded (ms)
//   first      navigation start → the first message in the page (ms), seen by a
//              MutationObserver installed before any of the page's own scripts
//   joined     navigation start → the room status reads "joined" (ms)
// --screenshot <file> also saves the first paint of one load (JavaScript off, so what is
// painted is the server's HTML alone). --app <dir> measures another build of the example
// (e.g. a worktree of an older commit), for a before/after in one sitting.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const args = process.argv.slice(2);
const option = (name, fallback) => {
	const at = args.indexOf(`--${name}`);
	return at >= 0 && args[at + 1] ? args[at + 1] : fallback;
};
const loads = Number(option('loads', 20));
const screenshot = option('screenshot', undefined);
const roomId = 'acme-general';
const appDir = option('app', fileURLToPath(new URL('../examples/rooms/', import.meta.url)));

const port = await freePort();
const url = `http://127.0.0.1:${port}`;
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'liverpc-first-message-'));
const app = spawn(process.execPath, ['build'], {
	cwd: appDir,
	env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), ORIGIN: url, DATABASE_PATH: path.join(dataDir, 'rooms.db') },
	stdio: ['ignore', 'ignore', 'inherit']
});
let browser;
try {
	await waitForHttp(url);
	const cookie = await signIn('alice');
	await postMessages(cookie, 20);

	browser = await chromium.launch({
		executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']
	});
	const rows = [];
	for (let index = 0; index < loads; index++) rows.push(await coldLoad(browser, cookie));
	for (const row of rows) console.log(JSON.stringify(row));
	const pick = (field) => rows.map((row) => row[field]).filter((value) => typeof value === 'number').sort((a, b) => a - b);
	const pct = (values, p) => values[Math.min(values.length - 1, Math.floor((p / 100) * values.length))];
	console.log(`\n${loads} cold loads of /rooms/${roomId} (node build, Chromium, loopback)`);
	console.log(`HTML holds a message: ${rows.filter((row) => row.html).length}/${loads}`);
	for (const field of ['dcl', 'first', 'joined']) {
		const values = pick(field);
		console.log(`${field.padEnd(7)} p50 ${pct(values, 50)} ms  p90 ${pct(values, 90)} ms  min ${values[0]} ms  max ${values[values.length - 1]} ms`);
	}
	if (screenshot) {
		const context = await browser.newContext({ javaScriptEnabled: false });
		await context.addCookies([{ name: 'session', value: cookie.split('=')[1], url }]);
		const page = await context.newPage();
		await page.goto(`${url}/rooms/${roomId}`, { waitUntil: 'commit' });
		await page.waitForLoadState('domcontentloaded');
		await page.screenshot({ path: screenshot });
		console.log(`first paint (server HTML, no JavaScript): ${screenshot}`);
		await context.close();
	}
} finally {
	await browser?.close();
	app.kill('SIGTERM');
	rmSync(dataDir, { recursive: true, force: true });
}

async function coldLoad(browser, cookie) {
	const context = await browser.newContext();
	await context.addCookies([{ name: 'session', value: cookie.split('=')[1], url }]);
	// Runs before the page's own scripts: notes when the first message enters the page,
	// whether it came with the HTML (the parser inserts it) or from a script.
	await context.addInitScript(() => {
		const marks = (window.__firstMessage = { first: undefined, joined: undefined });
		const look = () => {
			if (marks.first === undefined && document.querySelector('[data-testid="message"]')) marks.first = performance.now();
			if (marks.joined === undefined && document.querySelector('[data-testid="room-status"]')?.textContent === 'joined') marks.joined = performance.now();
		};
		new MutationObserver(look).observe(document, { childList: true, subtree: true, characterData: true });
	});
	const page = await context.newPage();
	let html = false;
	page.on('response', async (response) => {
		if (response.request().resourceType() === 'document') html = (await response.text()).includes('data-testid="message"');
	});
	await page.goto(`${url}/rooms/${roomId}`);
	await page.waitForFunction(() => window.__firstMessage.first !== undefined && window.__firstMessage.joined !== undefined, undefined, { timeout: 20_000 });
	const marks = await page.evaluate(() => ({
		...window.__firstMessage,
		dcl: performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd
	}));
	await context.close();
	return { html, dcl: Math.round(marks.dcl), first: Math.round(marks.first), joined: Math.round(marks.joined) };
}

async function signIn(user) {
	const response = await fetch(`${url}/login`, {
		method: 'POST',
		redirect: 'manual',
		headers: { origin: url, 'content-type': 'application/x-www-form-urlencoded' },
		body: new URLSearchParams({ username: user, password: 'password' })
	});
	const line = response.headers.getSetCookie().find((header) => header.startsWith('session='));
	if (!line) throw new Error(`signing in as ${user} failed: HTTP ${response.status}`);
	return line.split(';', 1)[0];
}

// Through the page's no-JavaScript form action, so the bench needs no socket client.
async function postMessages(cookie, count) {
	for (let index = 0; index < count; index++) {
		const response = await fetch(`${url}/rooms/${roomId}?/send`, {
			method: 'POST',
			headers: { origin: url, cookie, 'content-type': 'application/x-www-form-urlencoded', 'x-sveltekit-action': 'true' },
			body: new URLSearchParams({ text: `seed message ${index + 1}`, key: `bench-seed-${index}` })
		});
		if (!response.ok) throw new Error(`posting a message failed: HTTP ${response.status}`);
	}
}

async function waitForHttp(target) {
	const deadline = Date.now() + 30_000;
	while (Date.now() < deadline) {
		try {
			if ((await fetch(target)).ok) return;
		} catch {
			// not listening yet
		}
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
	throw new Error(`${target} did not answer within 30 s`);
}

function freePort() {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port: free } = server.address();
			server.close(() => resolve(free));
		});
	});
}
