import { EpochConfigInvalid } from './errors.ts';

export const DAY_MS = 86_400_000;

/**
 * Daily emission in bones from `startMs`, halved (integer, floor) every `halvingIntervalDays`
 * days; `halvingIntervalDays` 0 or absent means no halvings. Nothing is emitted before `startMs`.
 */
export interface EmissionSchedule {
  readonly dailyEmission: bigint;
  readonly startMs: number;
  readonly halvingIntervalDays?: number;
}

function check(schedule: EmissionSchedule): void {
  const { dailyEmission, startMs, halvingIntervalDays = 0 } = schedule;
  if (dailyEmission < 0n) throw EpochConfigInvalid('dailyEmission must be ≥ 0', { field: 'dailyEmission' });
  if (!Number.isSafeInteger(startMs)) throw EpochConfigInvalid('startMs must be an integer', { field: 'startMs' });
  if (!Number.isSafeInteger(halvingIntervalDays) || halvingIntervalDays < 0) {
    throw EpochConfigInvalid('halvingIntervalDays must be a non-negative integer', { field: 'halvingIntervalDays' });
  }
}

/** Daily rate in force on day `day` (0-based from the schedule start). */
export function dailyRate(schedule: EmissionSchedule, day: number): bigint {
  const interval = schedule.halvingIntervalDays ?? 0;
  if (day < 0) return 0n;
  if (interval === 0) return schedule.dailyEmission;
  return schedule.dailyEmission >> BigInt(Math.floor(day / interval));
}

/**
 * Bones emitted from `startMs` up to `t`, floored once: whole days at their rate plus
 * floor(rate × msIntoDay / DAY_MS) for the day in progress. Differences of this function give
 * epoch emissions, so the floor's remainder is never lost — it is paid by a later epoch of the
 * same day, and the epochs of a day always sum to that day's rate exactly.
 */
export function cumulativeEmission(schedule: EmissionSchedule, t: number): bigint {
  check(schedule);
  const elapsed = t - schedule.startMs;
  if (elapsed <= 0) return 0n;
  const fullDays = Math.floor(elapsed / DAY_MS);
  const msIntoDay = elapsed - fullDays * DAY_MS;
  const interval = schedule.halvingIntervalDays ?? 0;
  let total = 0n;
  if (interval === 0) {
    total = schedule.dailyEmission * BigInt(fullDays);
  } else {
    // One term per halving period, so this is cheap for any realistic horizon.
    for (let day = 0; day < fullDays; day += interval) {
      const days = Math.min(interval, fullDays - day);
      total += dailyRate(schedule, day) * BigInt(days);
    }
  }
  return total + (dailyRate(schedule, fullDays) * BigInt(msIntoDay)) / BigInt(DAY_MS);
}

/**
 * Emission of the epoch [epochStartMs, epochStartMs + epochLengthMs): the difference of the
 * floored cumulative emission at its ends. An epoch shorter than a day gets its exact pro-rata
 * share rounded so that the remainder rolls into the next epoch; an epoch spanning a halving gets
 * each part at its own rate.
 */
export function emissionForEpoch(schedule: EmissionSchedule, epochStartMs: number, epochLengthMs: number): bigint {
  if (!Number.isSafeInteger(epochStartMs) || !Number.isSafeInteger(epochLengthMs) || epochLengthMs <= 0) {
    throw EpochConfigInvalid('epoch start and length must be integers, length > 0', { field: 'epoch' });
  }
  return cumulativeEmission(schedule, epochStartMs + epochLengthMs) - cumulativeEmission(schedule, epochStartMs);
}
