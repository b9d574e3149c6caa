/** The kinds of export a `.socket.ts` file can hold. */
export type ContractKind = 'join' | 'call' | 'event' | 'presence';

/**
 * The marker every contract export carries under `'~liverpc'`. The builders set `kind`;
 * registration fills in where the export lives. The client stub of a `.socket.ts` file is
 * made of these markers alone, which is all `liverpc/client` reads.
 */
export interface ContractIdentity<Kind extends ContractKind = ContractKind> {
	kind: Kind;
	/** Route id, e.g. `rooms/[roomId]/chat`; set when the contract is registered. */
	route?: string;
	/** Export name, e.g. `send`; set when the contract is registered. */
	name?: string;
}

export const MARKER = '~liverpc';

/** Reads the marker of a module export, or undefined for any other value. */
export function contractIdentityOf(value: unknown): ContractIdentity | undefined {
	if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return undefined;
	const identity = (value as { [MARKER]?: ContractIdentity })[MARKER];
	if (!identity || typeof identity !== 'object') return undefined;
	return identity.kind === 'join' || identity.kind === 'call' || identity.kind === 'event' || identity.kind === 'presence' ? identity : undefined;
}
