import type { Queryable } from '@hexlight/store';
import { isRegionName, type RegionName } from '@hexlight/protocol';
import { InMemoryPocState } from '../verifier/memory-state.ts';
import type { StateUpdate } from '../verifier/types.ts';

/** Longer than any verdict transaction: how far back each refresh re-reads changed state rows. */
const STATE_MARGIN_MS = 60_000;

/**
 * Loads what the verifier reads from the store into an in-memory PocState and keeps it current
 * with increments (new assertions, entropy, denylist). The store stays the source of truth:
 * after a failed commit the runner throws this away and loads a fresh one.
 */
export class StoreFeed {
  readonly state = new InMemoryPocState();
  private assertionsSeen = new Date(0);
  private onboardedSeen = new Date(0);
  private entropySeen = new Date(0);
  private denylistVersion = '';
  private stateSeen: Date | null = null;

  constructor(private readonly fallbackRegion: RegionName = 'US915') {}

  /** First load: everything, including the per-hotspot PoC state. */
  async load(db: Queryable): Promise<void> {
    await this.refresh(db);
  }

  /**
   * The per-hotspot PoC state other runners committed: rows changed since the last read, less a
   * margin, since a row's `changed_at` is its transaction's start and a long transaction commits
   * after shorter later ones. A time is taken only when it is later than what this runner has
   * (its own commits are already applied; re-reading a row changes nothing).
   */
  private async refreshHotspotState(db: Queryable): Promise<void> {
    const since = this.stateSeen === null ? new Date(0) : new Date(this.stateSeen.getTime() - STATE_MARGIN_MS);
    const rows = await db.query<{ address: string; last_beacon_ms: bigint | null; last_witness_ms: bigint | null; last_beacon_with_witness_ms: bigint | null; changed_at: Date }>(
      `SELECT address, last_beacon_ms, last_witness_ms, last_beacon_with_witness_ms, changed_at FROM poc_hotspot_state WHERE changed_at > $1`, [since],
    );
    const updates: StateUpdate[] = [];
    const later = async (kind: StateUpdate['kind'], address: string, stored: bigint | null, mine: number | null) => {
      if (stored !== null && (mine === null || Number(stored) > mine)) updates.push({ kind, address, atMs: Number(stored) });
    };
    for (const r of rows.rows) {
      await later('last_beacon', r.address, r.last_beacon_ms, await this.state.lastBeaconMs(r.address));
      await later('last_witness', r.address, r.last_witness_ms, await this.state.lastWitnessMs(r.address));
      await later('last_beacon_with_witness', r.address, r.last_beacon_with_witness_ms, await this.state.lastBeaconWithWitnessMs(r.address));
      if (this.stateSeen === null || r.changed_at > this.stateSeen) this.stateSeen = r.changed_at;
    }
    if (this.stateSeen === null) this.stateSeen = new Date(0);
    if (updates.length > 0) this.state.apply(updates);
  }

  /** Increments since the last call. */
  async refresh(db: Queryable): Promise<void> {
    // Onboarded but never asserted: known (so not gateway_not_found) but without a location.
    const onboarded = await db.query<{ address: string; owner: string; onboarded_at: Date }>(
      `SELECT address, owner, onboarded_at FROM hotspots WHERE onboarded_at > $1 ORDER BY onboarded_at`, [this.onboardedSeen],
    );
    for (const h of onboarded.rows) {
      this.state.recordHotspot({ address: h.address, owner: h.owner, location: null, region: this.fallbackRegion, gain: 12, elevation: 0, capability: 'full' }, h.onboarded_at.getTime());
      this.onboardedSeen = h.onboarded_at;
    }
    const asserted = await db.query<{ address: string; owner: string; asserted_at: Date; location: string | null; region: string | null; gain: number; elevation: number; capability: 'full' | 'data_only' }>(
      `SELECT a.address, h.owner, a.asserted_at, a.location, a.region, a.gain, a.elevation, a.capability
       FROM hotspot_assertions a JOIN hotspots h USING (address) WHERE a.asserted_at > $1 ORDER BY a.asserted_at, a.nonce`,
      [this.assertionsSeen],
    );
    for (const a of asserted.rows) {
      const region = a.region && isRegionName(a.region) ? a.region : this.fallbackRegion;
      this.state.recordHotspot({ address: a.address, owner: a.owner, location: a.location, region, gain: a.gain, elevation: a.elevation, capability: a.capability }, a.asserted_at.getTime());
      this.assertionsSeen = a.asserted_at;
    }
    const entropy = await db.query<{ data: Uint8Array; timestamp: bigint; version: number; created_at: Date }>(
      `SELECT data, timestamp, version, created_at FROM entropy WHERE created_at > $1 ORDER BY created_at`, [this.entropySeen],
    );
    for (const e of entropy.rows) {
      this.state.recordEntropy({ data: e.data, timestamp: Number(e.timestamp), version: e.version });
      this.entropySeen = e.created_at;
    }
    await this.refreshDenylist(db);
    await this.refreshHotspotState(db);
  }

  private async refreshDenylist(db: Queryable): Promise<void> {
    const version = await db.query<{ v: string }>(
      `SELECT coalesce((SELECT max(added_at)::text FROM denylist_keys), '') || '/' || (SELECT count(*) FROM denylist_keys)::text || '/' ||
              coalesce((SELECT max(added_at)::text FROM denylist_edges), '') || '/' || (SELECT count(*) FROM denylist_edges)::text AS v`,
    );
    const v = version.rows[0]!.v;
    if (v === this.denylistVersion) return;
    this.denylistVersion = v;
    this.state.clearDenylist();
    for (const k of (await db.query<{ address: string; tag: string }>(`SELECT address, tag FROM denylist_keys`)).rows) this.state.deny(k.address, k.tag);
    for (const e of (await db.query<{ a: string; b: string; tag: string }>(`SELECT a, b, tag FROM denylist_edges`)).rows) this.state.denyEdge(e.a, e.b, e.tag);
  }
}
