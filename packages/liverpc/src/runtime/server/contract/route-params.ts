// Type level only: a room's params read from its route id, the way SvelteKit reads a route
// folder's name. `./$socket` (written by the Vite plugin for each folder holding a
// `.socket.ts` file) hands these to join(), call(), event() and presence().

type Flatten<T> = { [K in keyof T]: T[K] } & {};

// `[name=matcher]`: the matcher is not part of the param's name.
type ParamName<Text extends string> = Text extends `${infer Name}=${string}` ? Name : Text;

// Every `[name]` inside one segment, e.g. `[from]-[to]`.
type PartParams<Segment extends string> = Segment extends `${string}[${infer Name}]${infer Rest}`
	? { [K in ParamName<Name>]: string } & PartParams<Rest>
	: {};

type SegmentParams<Segment extends string> = Segment extends `[[${infer Name}]]`
	? { [K in ParamName<Name>]?: string }
	: Segment extends `[...${infer Name}]`
		? { [K in ParamName<Name>]: string }
		: PartParams<Segment>;

type ParamsOfSegments<Id extends string> = Id extends `${infer Head}/${infer Tail}`
	? SegmentParams<Head> & ParamsOfSegments<Tail>
	: SegmentParams<Id>;

/**
 * The params of a room whose route id (its folder under `src/routes`) is `Id`: `[name]` and
 * `[...rest]` give a `string`, `[[optional]]` an optional `string`, `(group)` and plain
 * segments nothing. What `params` is inside a contract that imports from `./$socket`, and what
 * `live()` and `to()` take for it.
 *
 * @example
 * ```ts
 * type Chat = RoomParamsOf<'rooms/[roomId]/chat'>; // { roomId: string }
 * type Docs = RoomParamsOf<'[[lang]]/docs/[...path]'>; // { lang?: string; path: string }
 * ```
 */
export type RoomParamsOf<Id extends string> = Flatten<ParamsOfSegments<Id>>;
