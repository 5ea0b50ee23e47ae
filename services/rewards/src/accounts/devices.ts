import type { Db, Queryable } from '@hexlight/store';
import { isUniqueViolation } from '@hexlight/store';
import { OrgDeviceAddrNotOwned, OrgDeviceExists, OrgDeviceNotFound } from './errors.ts';
import { formatDevAddr } from './devaddr.ts';

// Devices of an organisation: joins route by DevEUI, uplinks by the DevAddr's range (ingest reads
// both). A DevAddr, when given, must lie in one of the organisation's own ranges.

export interface Device {
  readonly devEui: string;
  readonly orgId: string;
  readonly joinEui: string | null;
  readonly devAddr: number | null;
  readonly name: string | null;
  readonly createdAt: Date;
}

interface DeviceRow { dev_eui: string; org_id: string; join_eui: string | null; dev_addr: bigint | null; name: string | null; created_at: Date }
const deviceOf = (r: DeviceRow): Device => ({
  devEui: r.dev_eui, orgId: r.org_id, joinEui: r.join_eui, devAddr: r.dev_addr === null ? null : Number(r.dev_addr), name: r.name, createdAt: r.created_at,
});
const COLUMNS = 'dev_eui, org_id, join_eui, dev_addr, name, created_at';

export async function registerDevice(
  db: Db, orgId: string, input: { devEui: string; joinEui?: string; devAddr?: number; name?: string }, at: Date,
): Promise<Device> {
  const devEui = input.devEui.toLowerCase();
  try {
    return await db.transaction(async (tx) => {
      if (input.devAddr !== undefined) {
        // FOR SHARE: a concurrent delete of this range waits for us, then sees the device.
        const owned = await tx.query('SELECT 1 FROM devaddr_ranges WHERE org_id = $1 AND start_addr <= $2 AND end_addr >= $2 FOR SHARE', [orgId, input.devAddr]);
        if (owned.rowCount === 0) throw OrgDeviceAddrNotOwned(undefined, { dev_addr: formatDevAddr(input.devAddr) });
      }
      const r = await tx.query<DeviceRow>(
        `INSERT INTO devices (dev_eui, org_id, join_eui, dev_addr, name, created_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (dev_eui) DO NOTHING RETURNING ${COLUMNS}`,
        [devEui, orgId, input.joinEui?.toLowerCase() ?? null, input.devAddr ?? null, input.name ?? null, at],
      );
      if (!r.rows[0]) throw OrgDeviceExists(undefined, { dev_eui: devEui });
      return deviceOf(r.rows[0]);
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw OrgDeviceExists(undefined, { dev_eui: devEui });
    throw err;
  }
}

export async function listDevices(q: Queryable, orgId: string, opts: { after?: string; limit: number }): Promise<Device[]> {
  const r = await q.query<DeviceRow>(
    `SELECT ${COLUMNS} FROM devices WHERE org_id = $1 AND ($2::text IS NULL OR dev_eui > $2) ORDER BY dev_eui LIMIT $3`,
    [orgId, opts.after?.toLowerCase() ?? null, opts.limit],
  );
  return r.rows.map(deviceOf);
}

export async function deleteDevice(db: Db, orgId: string, devEui: string): Promise<void> {
  const r = await db.query('DELETE FROM devices WHERE dev_eui = $1 AND org_id = $2', [devEui.toLowerCase(), orgId]);
  if (r.rowCount === 0) throw OrgDeviceNotFound(undefined, { dev_eui: devEui.toLowerCase() });
}
