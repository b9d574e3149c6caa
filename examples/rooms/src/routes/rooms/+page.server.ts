import * as rooms from '$lib/server/rooms';
import type { PageServerLoad } from './$types';

// Only the signed-in user's own tenant's rooms are listed; the room page's socket guard is
// what actually keeps other tenants out.
export const load: PageServerLoad = ({ locals }) => ({
	rooms: locals.user ? rooms.listForTenant(locals.user.tenantId).map(({ id, name }) => ({ id, name })) : []
});
