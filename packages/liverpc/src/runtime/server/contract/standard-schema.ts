/**
 * The part of the Standard Schema v1 interface (https://standardschema.dev) that LiveRPC
 * reads. Valibot, Zod, ArkType and others implement it, so a call's schema may come from
 * any of them without an adapter.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * export const rename = call(z.object({ name: z.string().min(1) }), ({ name }) => rooms.rename(name));
 * ```
 */
export interface StandardSchema<Input = unknown, Output = Input> {
	readonly '~standard': {
		readonly version: 1;
		readonly vendor: string;
		readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>;
		readonly types?: { readonly input: Input; readonly output: Output } | undefined;
	};
}

export type StandardResult<Output> =
	| { readonly value: Output; readonly issues?: undefined }
	| { readonly issues: ReadonlyArray<StandardIssue> };

export interface StandardIssue {
	readonly message: string;
	readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

/** The type a schema accepts: what the browser must send. */
export type SchemaInput<S extends StandardSchema> = NonNullable<S['~standard']['types']>['input'];
/** The type a schema produces: what the handler receives. */
export type SchemaOutput<S extends StandardSchema> = NonNullable<S['~standard']['types']>['output'];
