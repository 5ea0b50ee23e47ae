import { byArrival } from './report.ts';

// HIP-83 (helium/oracles runner.rs `filter_and_split_witnesses`): of the valid witnesses, the
// first `max` to arrive are selected and rewarded; the rest are valid but unselected. Ties on
// the receive time go to the lower report id, so the choice never depends on input order.

export function selectFirstArrivals<T extends { receivedMs: number; id: string }>(valid: readonly T[], max: number): { selected: T[]; unselected: T[] } {
  const ordered = [...valid].sort(byArrival);
  return { selected: ordered.slice(0, max), unselected: ordered.slice(max) };
}
