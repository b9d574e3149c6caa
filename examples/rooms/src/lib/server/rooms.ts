import { db } from './db';

// Tenant rooms. The lobby is not one of them: it is public and has no tenant.

export type Room = { id: string; name: string; tenantId: string };

type RoomRow = { id: string; name: string; tenant_id: string };

let statements: ReturnType<typeof prepare> | undefined;

function prepare() {
	const connection = db();
	return {
		get: connection.prepare<[string], RoomRow>('SELECT id, name, tenant_id FROM rooms WHERE id = ?'),
		forTenant: connection.prepare<[string], RoomRow>(
			'SELECT id, name, tenant_id FROM rooms WHERE tenant_id = ? ORDER BY name'
		)
	};
}

function sql() {
	return (statements ??= prepare());
}

function toRoom(row: RoomRow): Room {
	return { id: row.id, name: row.name, tenantId: row.tenant_id };
}

/** The room with this id, whatever its tenant: callers decide who may see it. */
export function get(roomId: string): Room | undefined {
	const row = sql().get.get(roomId);
	return row ? toRoom(row) : undefined;
}

/** Every room of one tenant, by name. */
export function listForTenant(tenantId: string): Room[] {
	return sql().forTenant.all(tenantId).map(toRoom);
}
