import { describe, expect, it } from 'vitest';
import { hostAllowed } from './inspector-routes.js';

describe('hostAllowed (Vite’s allowedHosts rule)', () => {
	it('allows IP addresses and localhost names, and refuses other names unless listed', () => {
		for (const host of ['127.0.0.1:5173', '[::1]:5173', '192.168.1.20', 'localhost:5173', 'app.localhost']) expect(hostAllowed(host, []), host).toBe(true);
		for (const host of ['rebound.example.com', 'localhost.example.com', undefined, '']) expect(hostAllowed(host, []), String(host)).toBe(false);
		expect(hostAllowed('dev.example.com:5173', ['dev.example.com'])).toBe(true);
		expect(hostAllowed('a.example.com', ['.example.com'])).toBe(true);
		expect(hostAllowed('example.com', ['.example.com'])).toBe(true);
		expect(hostAllowed('evil-example.com', ['.example.com'])).toBe(false);
		expect(hostAllowed('anything', true)).toBe(true);
	});
});
