import type { Queryable } from '@hexlight/store';
import { compareAddress, type EmissionSchedule, type PoolSplit } from '../epoch/index.ts';
import { computeStoredEpoch } from './close.ts';
import { EpochNotClosed } from './errors.ts';
import { type ClosedEpoch, readClosedEpoch, storedManifest, type StoredManifest } from './stored.ts';
import { epochWindow } from './window.ts';

/** Settings for an audit; price, decimals, split and length default to the stored manifest's. */
export interface RecomputeOptions {
  readonly schedule: EmissionSchedule;
  readonly split?: PoolSplit;
  readonly tokenPriceUsd?: string;
  readonly decimals?: number;
  readonly epochLengthMs?: number;
}

export interface RecomputeResult {
  /** true when the recomputation equals the stored epoch in every amount and in the manifest. */
  readonly identical: boolean;
  /** Paths that differ, e.g. `pools.beacon`, `hotspots.<address>.witness`, `manifest`. */
  readonly differences: readonly string[];
  readonly stored: ClosedEpoch;
}

function splitOf(m: StoredManifest): PoolSplit {
  const { beaconBps, witnessBps, dataBps, operationsBps, oraclesBps } = m.split;
  return { beaconBps, witnessBps, dataBps, operationsBps, oraclesBps };
}

/** JSON with sorted keys: jsonb does not keep the key order it was given. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

/**
 * Recomputes a closed epoch from the same inputs, writing nothing, and lists what differs from the
 * ledger (for audits: shares rewritten after the close, or a changed formula, show up here).
 * Owners are not compared: they are a fact of the close time, not of the inputs.
 */
export async function recomputeEpoch(q: Queryable, epochNumber: number, opts: RecomputeOptions): Promise<RecomputeResult> {
  const stored = await readClosedEpoch(q, epochNumber);
  if (!stored) throw EpochNotClosed(undefined, { epoch: epochNumber });
  const m = stored.manifest;
  const w = epochWindow(epochNumber, opts.epochLengthMs ?? m.lengthMs);
  const r = await computeStoredEpoch(q, w, {
    epochLengthMs: w.lengthMs,
    schedule: opts.schedule,
    split: opts.split ?? splitOf(m),
    tokenPriceUsd: opts.tokenPriceUsd ?? m.tokenPriceUsd,
    decimals: opts.decimals ?? m.decimals,
  });

  const differences: string[] = [];
  const check = (path: string, a: bigint | number, b: bigint | number): void => {
    if (a !== b) differences.push(path);
  };
  check('startMs', stored.startMs, w.startMs);
  check('endMs', stored.endMs, w.endMs);
  check('emission', stored.emission, r.emission);
  const pools = { ...r.rewardPools, operations: r.operations, oracles: r.oracles, treasury: r.treasury };
  for (const k of Object.keys(pools) as (keyof typeof pools)[]) check(`pools.${k}`, stored.pools[k], pools[k]);
  for (const k of ['beacon', 'witness', 'data'] as const) check(`unallocated.${k}`, stored.unallocated[k], r.unallocated[k]);
  if (canonical(stored.manifest) !== canonical(storedManifest(r))) differences.push('manifest');

  // Both lists are in ascending address order: walk them side by side. Stored hotspots come
  // first in the differences, then the ones only the recomputation has.
  const onlyComputed: string[] = [];
  const computed = r.hotspots;
  let j = 0;
  for (const h of stored.hotspots) {
    while (j < computed.length && compareAddress(computed[j]!.hotspot, h.hotspot) < 0) onlyComputed.push(`hotspots.${computed[j++]!.hotspot}`);
    const c = computed[j];
    if (!c || c.hotspot !== h.hotspot) {
      differences.push(`hotspots.${h.hotspot}`);
      continue;
    }
    j++;
    for (const k of ['beacon', 'witness', 'data', 'total'] as const) check(`hotspots.${h.hotspot}.${k}`, h[k], c[k]);
  }
  while (j < computed.length) onlyComputed.push(`hotspots.${computed[j++]!.hotspot}`);
  for (const d of onlyComputed) differences.push(d);
  return { identical: differences.length === 0, differences, stored };
}
