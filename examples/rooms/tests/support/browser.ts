import { chromium, type Browser, type BrowserContext, type Page, type Request } from 'playwright-core';
import { proxyHeaders } from './generation.js';

/**
 * Debian's Chromium, never a downloaded one. Playwright gives every launch a fresh, empty
 * profile directory; the flags keep Chromium off the network this machine does not have.
 */
export async function launchBrowser(): Promise<Browser> {
	const browser = await chromium.launch({
		executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
		headless: true,
		args: [
			'--headless',
			'--no-sandbox',
			'--disable-gpu',
			'--disable-background-networking',
			'--disable-component-update',
			'--disable-sync',
			'--no-first-run'
		]
	});
	if (Object.keys(proxyHeaders).length > 0) {
		// Every context's same-origin form posts carry what the stand-in proxy adds (see
		// generation.ts). Only those: a header on a cross-origin request would turn it into a
		// CORS preflight and change what the cross-origin tests see.
		const newContext = browser.newContext.bind(browser);
		browser.newContext = async (options) => {
			const context = await newContext(options);
			await context.route(
				(url) => url.protocol === 'http:',
				(route) => {
					const request = route.request();
					return request.method() === 'POST' && sameOrigin(request.url(), frameUrl(request))
						? route.continue({ headers: { ...request.headers(), ...proxyHeaders } })
						: route.fallback();
				}
			);
			return context;
		};
	}
	return browser;
}

function frameUrl(request: Request): string | undefined {
	try {
		return request.frame().url();
	} catch {
		return undefined; // a service worker's request has no frame
	}
}

function sameOrigin(a: string, b: string | undefined): boolean {
	return b !== undefined && URL.canParse(a) && URL.canParse(b) && new URL(a).origin === new URL(b).origin;
}

/** The seeded users; every one's password is `password`. */
export type SeedUser = 'alice' | 'bob' | 'carol';

/** Signs in through the page's own form (it works without JavaScript too). */
export async function signIn(context: BrowserContext, baseUrl: string, user: SeedUser): Promise<Page> {
	const page = await context.newPage();
	await page.goto(baseUrl + '/');
	await page.fill('input[name="username"]', user);
	await page.fill('input[name="password"]', 'password');
	await Promise.all([page.waitForURL(`${baseUrl}/rooms`), page.click('form[action="/login"] button')]);
	return page;
}

/** Opens a room page and waits until its status reads `expected`. */
export async function openRoom(page: Page, baseUrl: string, roomId: string, expected = 'joined'): Promise<void> {
	await page.goto(`${baseUrl}/rooms/${roomId}`);
	await page.getByTestId('room-status').filter({ hasText: expected }).waitFor({ timeout: 30_000 });
}

/**
 * Sends a message through the page's form (over the socket when JavaScript runs), by Enter in
 * its input, as a person types: a click at the Send button's place could land on a message
 * instead, when one arriving at that moment moves the form down a line (a busy room's tab
 * once lost a send that way, seen as "no answer within 40 s").
 */
export async function sendMessage(page: Page, text: string): Promise<void> {
	const input = page.getByTestId('message-input');
	await input.fill(text);
	await input.press('Enter');
}

/** The texts of the room's message list, e.g. `Alice: hi`. */
export async function messageTexts(page: Page): Promise<string[]> {
	return (await page.getByTestId('message').allInnerTexts()).map((text) => text.replace(/\s+/g, ' ').trim());
}
