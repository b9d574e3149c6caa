import type { SeedUser } from './browser.js';
import { proxyHeaders } from './generation.js';

/**
 * Signs in through the login form action over plain HTTP and returns the `session=…`
 * cookie, for clients that are not a browser (socket.io-client, liverpc/client in Node).
 */
export async function sessionCookie(baseUrl: string, user: SeedUser): Promise<string> {
	const response = await fetch(baseUrl + '/login', {
		method: 'POST',
		redirect: 'manual',
		headers: { origin: baseUrl, 'content-type': 'application/x-www-form-urlencoded', ...proxyHeaders },
		body: new URLSearchParams({ username: user, password: 'password' })
	});
	const cookie = response.headers.getSetCookie().find((line) => line.startsWith('session='));
	if (!cookie) throw new Error(`Signing in as ${user} set no session cookie (HTTP ${response.status})`);
	return cookie.split(';', 1)[0]!;
}
