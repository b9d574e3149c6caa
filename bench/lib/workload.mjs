// What every implementation serves and every load generator sends: the same bytes.
import * as v from 'valibot';

/** About 100 bytes of JSON: the call input and the broadcast payload. */
export const payload = (n) => ({ text: 'The quick brown fox jumps over the lazy dog while the bench counts calls.', n });

/** The "with schema" variant validates the input with this, in every implementation. */
export const inputSchema = v.object({ text: v.pipe(v.string(), v.maxLength(2000)), n: v.number() });

/** The room every member joins: LiveRPC route `bench/[id]` with id '1', raw room 'room:1'. */
export const ROOM_ID = '1';
export const RAW_ROOM = 'room:1';

export const COOKIE = 'session=bench-session-0123456789abcdef';
