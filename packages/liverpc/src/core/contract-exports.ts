import type { ContractKind } from '../runtime/shared/contract-marker.js';
import { isBuildersSource } from './folder-builders.js';

/** One export of a `.socket.ts` module, as read from its source. */
export interface ContractExport {
	/** The exported name, e.g. `send`. */
	name: string;
	/** The module-scope binding that holds it (differs from `name` in `export { a as b }`). */
	local: string;
	kind: ContractKind;
}

/** Where an export that is not a room contract builder was found, for a clear error. */
export interface OtherExport {
	name: string;
	reason: string;
}

// The subset of ESTree this reader walks; both Rollup's and Rolldown's `this.parse` give it.
interface Node {
	type: string;
	[key: string]: unknown;
}

const BUILDERS: Record<string, ContractKind> = { join: 'join', call: 'call', event: 'event', presence: 'presence' };

/**
 * Reads which exports of a contract module are `join(…)`, `call(…)` and `event(…)`, from
 * its JavaScript (TypeScript already stripped) without running it. The browser stub and
 * the server's route stamp are both made from this, so a `.socket.ts` file is never
 * executed at build time and never reaches the client.
 *
 * Recognised: `export const send = call(…)` with `call` imported from `liverpc/server` or
 * `./$socket` (renamed or through a namespace import), and `export { send }` of such a binding.
 * Everything else exported is listed in `others` for the caller to refuse.
 *
 * @param program the module's ESTree `Program`, e.g. from a plugin context's `this.parse`
 */
export function readContractExports(program: Node): { exports: ContractExport[]; others: OtherExport[] } {
	const builderNames = new Map<string, ContractKind>(); // local name -> kind
	const namespaces = new Set<string>(); // `import * as live from 'liverpc/server'`
	const kinds = new Map<string, ContractKind>(); // module-scope binding -> kind
	const declared = new Set<string>(); // module-scope const/let/var/function/class names

	const body = program.body as Node[];
	for (const statement of body) {
		if (statement.type !== 'ImportDeclaration' || !isBuildersSource((statement.source as Node).value)) continue;
		for (const specifier of statement.specifiers as Node[]) {
			if (specifier.type === 'ImportNamespaceSpecifier') namespaces.add(nameOf(specifier.local));
			if (specifier.type === 'ImportSpecifier') {
				const kind = BUILDERS[nameOf(specifier.imported)];
				if (kind) builderNames.set(nameOf(specifier.local), kind);
			}
		}
	}

	const kindOfInit = (init: unknown): ContractKind | undefined => {
		const node = init as Node | null;
		if (!node || node.type !== 'CallExpression') return undefined;
		const callee = node.callee as Node;
		if (callee.type === 'Identifier') return builderNames.get(nameOf(callee));
		if (callee.type === 'MemberExpression' && !callee.computed) {
			const object = callee.object as Node;
			if (object.type === 'Identifier' && namespaces.has(nameOf(object))) return BUILDERS[nameOf(callee.property)];
		}
		return undefined;
	};

	const collect = (declaration: Node) => {
		if (declaration.type === 'VariableDeclaration') {
			for (const declarator of declaration.declarations as Node[]) {
				const id = declarator.id as Node;
				if (id.type !== 'Identifier') continue;
				declared.add(nameOf(id));
				const kind = declaration.kind === 'const' ? kindOfInit(declarator.init) : undefined;
				if (kind) kinds.set(nameOf(id), kind);
			}
		} else if ((declaration.type === 'FunctionDeclaration' || declaration.type === 'ClassDeclaration') && declaration.id) {
			declared.add(nameOf(declaration.id));
		}
	};
	for (const statement of body) {
		if (statement.type === 'ExportNamedDeclaration' && statement.declaration) collect(statement.declaration as Node);
		else collect(statement);
	}

	const exports: ContractExport[] = [];
	const others: OtherExport[] = [];
	const add = (name: string, local: string) => {
		const kind = kinds.get(local);
		if (kind) exports.push({ name, local, kind });
		else if (declared.has(local)) {
			others.push({ name, reason: 'is not a join(), call(), event() or presence() from liverpc/server declared with const' });
		} else {
			others.push({ name, reason: 'is not declared in this file' });
		}
	};

	for (const statement of body) {
		if (statement.type === 'ExportDefaultDeclaration') {
			others.push({ name: 'default', reason: 'is a default export; rooms use named exports' });
		} else if (statement.type === 'ExportAllDeclaration') {
			others.push({ name: '*', reason: `re-exports ${String((statement.source as Node).value)}; export each builder from this file` });
		} else if (statement.type === 'ExportNamedDeclaration') {
			if (statement.source) {
				for (const specifier of statement.specifiers as Node[]) {
					others.push({ name: nameOf(specifier.exported), reason: `is re-exported from ${String((statement.source as Node).value)}` });
				}
				continue;
			}
			const declaration = statement.declaration as Node | null;
			if (declaration?.type === 'VariableDeclaration') {
				for (const declarator of declaration.declarations as Node[]) {
					const id = declarator.id as Node;
					if (id.type === 'Identifier') add(nameOf(id), nameOf(id));
					else others.push({ name: '(destructured)', reason: 'is a destructuring export' });
				}
			} else if (declaration && declaration.id) {
				add(nameOf(declaration.id), nameOf(declaration.id));
			}
			for (const specifier of (statement.specifiers as Node[] | undefined) ?? []) {
				add(nameOf(specifier.exported), nameOf(specifier.local));
			}
		}
	}
	return { exports, others };
}

function nameOf(node: unknown): string {
	const named = node as { name?: unknown; value?: unknown };
	return String(named.name ?? named.value);
}
