import type { Queryable } from '@hexlight/store';

/**
 * Writes what the store holds for a period as `hexlight poc replay` input (spec/poc-replay.md):
 * hotspot metadata and every assertion, entropy, denylist, and the exact payloads with their
 * receive times, in time order. Replaying it re-judges the period with any ruleset.
 */
export async function exportReplayEvents(db: Queryable, range: { fromMs: number; toMs: number }): Promise<string[]> {
  const from = new Date(range.fromMs);
  const to = new Date(range.toMs);
  const events: { at: number; order: number; line: string }[] = [];
  const push = (at: number, order: number, obj: Record<string, unknown>) => events.push({ at, order, line: JSON.stringify(obj) });

  const hotspots = await db.query<{ address: string; owner: string; onboarded_at: Date; region: string | null }>(
    `SELECT address, owner, onboarded_at, region FROM hotspots WHERE onboarded_at < $1`, [to]);
  for (const h of hotspots.rows) {
    // Known from onboarding on, without a location until asserted.
    push(h.onboarded_at.getTime(), 0, { kind: 'hotspot', at_ms: h.onboarded_at.getTime(), address: h.address, owner: h.owner, location: null, region: h.region ?? 'US915', gain: 12, elevation: 0, capability: 'full' });
  }
  const assertions = await db.query<{ address: string; owner: string; asserted_at: Date; location: string | null; region: string; gain: number; elevation: number; capability: string }>(
    `SELECT a.address, h.owner, a.asserted_at, a.location, a.region, a.gain, a.elevation, a.capability
     FROM hotspot_assertions a JOIN hotspots h USING (address) WHERE a.asserted_at < $1 ORDER BY a.asserted_at, a.nonce`, [to]);
  for (const a of assertions.rows) {
    push(a.asserted_at.getTime(), 1, { kind: 'hotspot', at_ms: a.asserted_at.getTime(), address: a.address, owner: a.owner, location: a.location, region: a.region, gain: a.gain, elevation: a.elevation, capability: a.capability });
  }
  // Entropy from a lifespan before the period, so its first beacons find theirs.
  const entropy = await db.query<{ data: Uint8Array; timestamp: bigint; version: number; created_at: Date }>(
    `SELECT data, timestamp, version, created_at FROM entropy WHERE created_at >= $1 AND created_at < $2 ORDER BY created_at`, [new Date(range.fromMs - 600_000), to]);
  for (const e of entropy.rows) {
    push(e.created_at.getTime(), 2, { kind: 'entropy', at_ms: e.created_at.getTime(), data: Buffer.from(e.data).toString('hex'), timestamp: Number(e.timestamp), version: e.version });
  }
  for (const k of (await db.query<{ address: string; tag: string }>(`SELECT address, tag FROM denylist_keys`)).rows) push(range.fromMs, 3, { kind: 'deny', address: k.address, tag: k.tag });
  for (const e of (await db.query<{ a: string; b: string; tag: string }>(`SELECT a, b, tag FROM denylist_edges`)).rows) push(range.fromMs, 3, { kind: 'deny_edge', a: e.a, b: e.b, tag: e.tag });
  for (const [kind, table, order] of [['beacon', 'beacon_reports', 4], ['witness', 'witness_reports', 5]] as const) {
    const rows = await db.query<{ received_at: Date; payload: Uint8Array }>(
      `SELECT received_at, payload FROM ${table} WHERE received_at >= $1 AND received_at < $2 ORDER BY received_at, id`, [from, to]);
    for (const r of rows.rows) push(r.received_at.getTime(), order, { kind, received_ms: r.received_at.getTime(), payload: Buffer.from(r.payload).toString('base64') });
  }
  events.sort((a, b) => a.at - b.at || a.order - b.order);
  return events.map((e) => e.line);
}
