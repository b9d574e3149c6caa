import { describe, expect, it } from 'vitest';
import { useApp } from './support/app.js';
import { messageTexts, openRoom, sendMessage, signIn } from './support/browser.js';

// Revocation (#8): a socket's locals are made once, at its handshake, so signing out must
// reach the connections already open. The logout action calls revoke() for the user: their
// connections end, reconnect by themselves, and the socket hook decides again from the
// cookie. A tab of the signed-out session comes back anonymous and the room refuses it; a
// tab of the same user's other, still valid session comes back as alice.
describe('signing out with tabs open (node build)', () => {
	const fixture = useApp('build');

	it("shows the other tab of the session '401 Sign in to chat' without a reload and stops its messages, while alice's other session rejoins", async () => {
		const { app, browser } = fixture;
		const session = await browser.newContext();
		const tab1 = await signIn(session, app.url, 'alice');
		await openRoom(tab1, app.url, 'acme-general');
		const tab2 = await session.newPage();
		await openRoom(tab2, app.url, 'acme-general');
		const otherSession = await signIn(await browser.newContext(), app.url, 'alice');
		await openRoom(otherSession, app.url, 'acme-general');
		const bob = await signIn(await browser.newContext(), app.url, 'bob');
		await openRoom(bob, app.url, 'acme-general');

		// Before: tab 2 gets bob's messages live, so their absence later means something.
		await sendMessage(bob, 'before alice signs out');
		await tab2.getByTestId('message').filter({ hasText: 'before alice signs out' }).waitFor();
		// A reload would clear this; it must still be there at the end.
		await tab2.evaluate(() => ((window as { stayed?: boolean }).stayed = true));

		const signedOutAt = Date.now();
		await Promise.all([tab1.waitForURL(`${app.url}/`), tab1.click('form[action="/logout"] button')]);
		await tab2.getByTestId('room-status').filter({ hasText: 'rejected' }).waitFor({ timeout: 5000 });
		expect(Date.now() - signedOutAt).toBeLessThan(5000);
		expect(await tab2.getByTestId('room-error').innerText()).toBe('401 Sign in to chat');
		// It reconnected, anonymous: the connection is fine, the room is what refuses.
		expect(await tab2.getByTestId('connection-status').innerText()).toBe('connected');
		expect(await tab2.evaluate(() => (window as { stayed?: boolean }).stayed)).toBe(true);

		// Alice's other session was ended too (same user); its hook found a valid session.
		await otherSession.getByTestId('room-status').filter({ hasText: 'joined' }).waitFor({ timeout: 10_000 });
		await sendMessage(bob, 'after alice signed out');
		await otherSession.getByTestId('message').filter({ hasText: 'after alice signed out' }).waitFor();
		// Delivered to the room's members by now; give a straggler a moment all the same.
		await new Promise((resolve) => setTimeout(resolve, 500));
		expect(await messageTexts(tab2)).toEqual(['Bob: before alice signs out']);
		expect(await messageTexts(otherSession)).toEqual(['Bob: before alice signs out', 'Bob: after alice signed out']);
	});
});
