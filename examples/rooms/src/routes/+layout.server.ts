import type { LayoutServerLoad } from './$types';

// Every page shows who is signed in; hooks.server.ts already read the session.
export const load: LayoutServerLoad = ({ locals }) => ({ user: locals.user });
