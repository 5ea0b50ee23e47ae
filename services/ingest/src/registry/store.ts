import type { Db } from '@hexlight/store';
import type { AssertionFields } from './messages.ts';

export interface HotspotRow {
  address: string;
  owner: string;
  capability: 'full' | 'data_only';
  location: string | null;
  region: string | null;
  gain: number;
  elevation: number;
  assert_nonce: bigint;
  onboarded_at: Date;
  asserted_at: Date | null;
  online: boolean;
  last_seen_at: Date | null;
}

export interface ReportCounts {
  beacons_24h: number;
  witnesses_24h: number;
  beacons_total: number;
  witnesses_total: number;
}

const HOTSPOT_COLUMNS = `address, owner, capability, location, region, gain, elevation, assert_nonce, onboarded_at, asserted_at, online, last_seen_at`;

/** The registry's queries; the only place that knows the hotspots table's shape. */
export class RegistryStore {
  constructor(private readonly db: Db) {}

  /** Inserts a new hotspot; false when the address is already onboarded. */
  async onboard(address: string, keyBinary: Uint8Array, owner: string, at: Date): Promise<boolean> {
    const res = await this.db.query(
      `INSERT INTO hotspots (address, key_binary, owner, onboarded_at, last_seen_at) VALUES ($1, $2, $3, $4, NULL)
       ON CONFLICT (address) DO NOTHING`,
      [address, keyBinary, owner, at],
    );
    return res.rowCount === 1;
  }

  async get(address: string): Promise<HotspotRow | null> {
    const res = await this.db.query<HotspotRow>(`SELECT ${HOTSPOT_COLUMNS} FROM hotspots WHERE address = $1`, [address]);
    return res.rows[0] ?? null;
  }

  async list(opts: { owner?: string; after?: string; limit: number }): Promise<HotspotRow[]> {
    const res = await this.db.query<HotspotRow>(
      `SELECT ${HOTSPOT_COLUMNS} FROM hotspots
       WHERE ($1::text IS NULL OR owner = $1) AND ($2::text IS NULL OR address > $2)
       ORDER BY address LIMIT $3`,
      [opts.owner ?? null, opts.after ?? null, opts.limit],
    );
    return res.rows;
  }

  /**
   * Applies an owner-signed assertion if its nonce is newer than the last one, atomically, so a
   * replayed or concurrent older assertion changes nothing. Returns false on a stale nonce.
   */
  async assert(address: string, a: AssertionFields, ownerSignature: Uint8Array, at: Date): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const res = await tx.query(
        `UPDATE hotspots SET location = $2, region = $3, gain = $4, elevation = $5, capability = $6, assert_nonce = $7, asserted_at = $8
         WHERE address = $1 AND assert_nonce < $7`,
        [address, a.location, a.region, a.gain, a.elevation, a.capability, BigInt(a.nonce), at],
      );
      if (res.rowCount !== 1) return false;
      await tx.query(
        `INSERT INTO hotspot_assertions (address, nonce, asserted_at, location, region, gain, elevation, capability, owner_signature)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [address, BigInt(a.nonce), at, a.location, a.region, a.gain, a.elevation, a.capability, ownerSignature],
      );
      return true;
    });
  }

  async reportCounts(address: string, now: Date): Promise<ReportCounts> {
    const since = new Date(now.getTime() - 24 * 3600_000);
    const res = await this.db.query<{ b24: bigint; w24: bigint; bt: bigint; wt: bigint }>(
      `SELECT (SELECT count(*) FROM beacon_reports WHERE hotspot = $1 AND received_at >= $2) AS b24,
              (SELECT count(*) FROM witness_reports WHERE hotspot = $1 AND received_at >= $2) AS w24,
              (SELECT count(*) FROM beacon_reports WHERE hotspot = $1) AS bt,
              (SELECT count(*) FROM witness_reports WHERE hotspot = $1) AS wt`,
      [address, since],
    );
    const r = res.rows[0]!;
    return { beacons_24h: Number(r.b24), witnesses_24h: Number(r.w24), beacons_total: Number(r.bt), witnesses_total: Number(r.wt) };
  }

  /** Whether the address is onboarded, and its key binary (connect auth, ingest). */
  async keyOf(address: string): Promise<Uint8Array | null> {
    const res = await this.db.query<{ key_binary: Uint8Array }>(`SELECT key_binary FROM hotspots WHERE address = $1`, [address]);
    return res.rows[0]?.key_binary ?? null;
  }

  async setState(address: string, online: boolean, at: Date): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(`UPDATE hotspots SET online = $2, last_seen_at = $3, state_changed_at = $3 WHERE address = $1`, [address, online, at]);
      await tx.query(`INSERT INTO hotspot_state_events (hotspot, at, online) VALUES ($1, $2, $3)`, [address, at, online]);
    });
  }

  async touch(address: string, at: Date): Promise<void> {
    await this.db.query(`UPDATE hotspots SET last_seen_at = $2 WHERE address = $1 AND (last_seen_at IS NULL OR last_seen_at < $2)`, [address, at]);
  }

  async networkCounts(): Promise<{ hotspots: number; online: number; beacons: number; witnesses: number }> {
    const res = await this.db.query<{ h: bigint; o: bigint; b: bigint; w: bigint }>(
      `SELECT (SELECT count(*) FROM hotspots) AS h, (SELECT count(*) FROM hotspots WHERE online) AS o,
              (SELECT count(*) FROM beacon_reports) AS b, (SELECT count(*) FROM witness_reports) AS w`,
    );
    const r = res.rows[0]!;
    return { hotspots: Number(r.h), online: Number(r.o), beacons: Number(r.b), witnesses: Number(r.w) };
  }
}
