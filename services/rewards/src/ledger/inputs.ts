import type { Queryable } from '@hexlight/store';
import type { DataShareRow, PocShareRow } from '../epoch/index.ts';
import { EpochNotReady } from './errors.ts';
import type { EpochWindow } from './window.ts';

/**
 * The data-complete gate (Helium's rewarder waits for data past the period end): the grace time
 * after the end has passed, and the verifier has judged every beacon received before the end —
 * a beacon without a verdict could still add shares to this epoch.
 */
export async function assertEpochReady(q: Queryable, w: EpochWindow, nowMs: number, graceMs: number): Promise<void> {
  const readyAtMs = w.endMs + graceMs;
  if (nowMs < readyAtMs) throw EpochNotReady(undefined, { epoch: w.epoch, reason: 'too_early', nowMs, readyAtMs });
  const pending = await q.query<{ received_at: Date }>(
    `SELECT b.received_at FROM beacon_reports b
     WHERE b.received_at < $1 AND NOT EXISTS (SELECT 1 FROM poc_verdicts v WHERE v.poc_id = b.id)
     ORDER BY b.received_at LIMIT 1`,
    [new Date(w.endMs)],
  );
  const oldest = pending.rows[0];
  if (oldest) {
    throw EpochNotReady(undefined, { epoch: w.epoch, reason: 'verifier_behind', oldestUnverifiedAtMs: oldest.received_at.getTime() });
  }
}

export interface EpochInputs {
  readonly pocShares: PocShareRow[];
  readonly dataShares: DataShareRow[];
}

export interface EpochInputsWithOwners extends EpochInputs {
  /** hotspots.owner of every hotspot with a share in the window; absent when not in the registry. */
  readonly owners: ReadonlyMap<string, string>;
}

/**
 * Σ of each kind of share per hotspot in [start, end): one row per hotspot with any share, NULL
 * for a kind it has no row of. One row per hotspot rather than per (hotspot, role) and source
 * keeps the result a third smaller, which is most of the read's cost on PGlite. (The table's
 * CHECK allows no role but 'beacon' and 'witness'.)
 */
const SUMS = `SELECT coalesce(p.hotspot, d.hotspot) AS hotspot, p.beacon, p.witness, d.dc
  FROM (SELECT hotspot, (sum(shares) FILTER (WHERE role = 'beacon'))::text AS beacon,
               (sum(shares) FILTER (WHERE role = 'witness'))::text AS witness
        FROM poc_reward_shares WHERE reward_at >= $1 AND reward_at < $2 GROUP BY hotspot) p
  FULL JOIN (SELECT hotspot, sum(dc)::text AS dc FROM data_transfer_shares
             WHERE reward_at >= $1 AND reward_at < $2 GROUP BY hotspot) d ON d.hotspot = p.hotspot`;

interface SumsRow {
  hotspot: string;
  beacon: string | null;
  witness: string | null;
  dc: string | null;
}

function range(w: EpochWindow): Date[] {
  return [new Date(w.startMs), new Date(w.endMs)];
}

function inputsOf(rows: readonly SumsRow[]): EpochInputs {
  const pocShares: PocShareRow[] = [];
  const dataShares: DataShareRow[] = [];
  for (const r of rows) {
    if (r.beacon !== null) pocShares.push({ hotspot: r.hotspot, role: 'beacon', shares: r.beacon });
    if (r.witness !== null) pocShares.push({ hotspot: r.hotspot, role: 'witness', shares: r.witness });
    if (r.dc !== null) dataShares.push({ hotspot: r.hotspot, dcBurned: BigInt(r.dc) });
  }
  return { pocShares, dataShares };
}

/** Shares with reward_at in [start, end), summed per hotspot (and role) in the database. */
export async function readEpochInputs(q: Queryable, w: EpochWindow): Promise<EpochInputs> {
  return inputsOf((await q.query<SumsRow>(SUMS, range(w))).rows);
}

/**
 * The same inputs with each hotspot's current owner, joined in the database (what the close
 * records). One hash join over the registry costs far less than looking up a million addresses
 * one index probe at a time with `address = ANY($1)`.
 */
export async function readEpochInputsWithOwners(q: Queryable, w: EpochWindow): Promise<EpochInputsWithOwners> {
  const res = await q.query<SumsRow & { owner: string | null }>(`SELECT s.*, h.owner FROM (${SUMS}) s LEFT JOIN hotspots h ON h.address = s.hotspot`, range(w));
  const owners = new Map<string, string>();
  for (const r of res.rows) if (r.owner !== null) owners.set(r.hotspot, r.owner);
  return { ...inputsOf(res.rows), owners };
}
