import adapterNode from '@sveltejs/adapter-node';
import adapterStatic from '@sveltejs/adapter-static';
import { describe, expect, it } from 'vitest';
import { liverpc } from 'liverpc/adapter';

describe('liverpc() adapter wrapper', () => {
	it('fails the build for an adapter whose output cannot hold connections open', async () => {
		const wrapped = liverpc(adapterStatic());
		expect(wrapped.name).toBe('liverpc(@sveltejs/adapter-static)');
		// Refused before the builder is touched: an empty one is enough.
		await expect(wrapped.adapt({} as never)).rejects.toThrow(/cannot wrap @sveltejs\/adapter-static/);
		await expect(wrapped.adapt({} as never)).rejects.toThrow(/one long-running Node process/);
		await expect(wrapped.adapt({} as never)).rejects.toThrow(/Use @sveltejs\/adapter-node/);
	});

	it("wraps adapter-node under its own name and keeps the inner adapter's supports", () => {
		const inner = adapterNode({ out: 'dist' });
		const wrapped = liverpc(inner, { out: 'dist' });
		expect(wrapped.name).toBe('liverpc(@sveltejs/adapter-node)');
		expect(inner.supports).toBeDefined();
		expect(wrapped.supports).toBe(inner.supports);
		expect(wrapped.supports?.read?.({ config: {}, route: { id: '/' } })).toBe(true);
		expect(wrapped.adapt).not.toBe(inner.adapt);
		expect(typeof wrapped.adapt).toBe('function');
	});

	it('refuses something that is not an adapter', () => {
		expect(() => liverpc(undefined as never)).toThrow(/liverpc\(\) wraps an adapter/);
		expect(() => liverpc({ name: 'x' } as never)).toThrow(TypeError);
	});
});
