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

/** Shares with reward_at in [start, end), summed per hotspot (and role) in the database. */
export async function readEpochInputs(q: Queryable, w: EpochWindow): Promise<EpochInputs> {
  const range = [new Date(w.startMs), new Date(w.endMs)];
  const poc = await q.query<{ hotspot: string; role: 'beacon' | 'witness'; shares: string }>(
    `SELECT hotspot, role, sum(shares)::text AS shares FROM poc_reward_shares
     WHERE reward_at >= $1 AND reward_at < $2 GROUP BY hotspot, role`,
    range,
  );
  const data = await q.query<{ hotspot: string; dc: string }>(
    `SELECT hotspot, sum(dc)::text AS dc FROM data_transfer_shares
     WHERE reward_at >= $1 AND reward_at < $2 GROUP BY hotspot`,
    range,
  );
  return {
    pocShares: poc.rows.map((r) => ({ hotspot: r.hotspot, role: r.role, shares: r.shares })),
    dataShares: data.rows.map((r) => ({ hotspot: r.hotspot, dcBurned: BigInt(r.dc) })),
  };
}
