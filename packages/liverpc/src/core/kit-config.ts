/** The fields LiveRPC reads of SvelteKit's validated configuration, as found (not yet checked). */
export interface KitConfigFields {
	outDir?: unknown;
	paths?: { base?: unknown };
	files?: { routes?: unknown };
	typescript?: { config?: unknown };
	adapter?: { name?: unknown };
}

/**
 * The fields of SvelteKit's validated configuration, from either generation: SvelteKit 2
 * keeps them under `kit`, SvelteKit 3 at the top. The adapter's `builder.config` and
 * the Vite plugin's `api.options` are both that object.
 */
export function kitConfigFields(validated: unknown): KitConfigFields {
	if (!validated || typeof validated !== 'object') return {};
	const { kit } = validated as { kit?: unknown };
	return (kit && typeof kit === 'object' ? kit : validated) as KitConfigFields;
}

/** `paths.base`, e.g. `/app`, or `''`. */
export function kitBasePath(fields: KitConfigFields): string {
	const base = fields.paths?.base;
	return typeof base === 'string' ? base : '';
}
