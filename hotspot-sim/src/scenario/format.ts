import type { RegionName } from '@hexlight/protocol';
import type { Backhaul } from '../backhaul.ts';
import type { BehaviourName, BehaviourSettings } from '../behaviours/types.ts';
import type { AreaSpec } from './area.ts';
import type { Dist } from './dist.ts';

// The scenario document (`hexlight-sim-scenario`, version 1): what a run simulates. README.md
// "Scenarios" is the reference; validate.ts enforces it and fills the defaults, so everything
// downstream reads this normalised shape.

export const SCENARIO_FORMAT = 'hexlight-sim-scenario';
export const SCENARIO_VERSION = 1;

export interface Scenario {
  format: typeof SCENARIO_FORMAT;
  version: typeof SCENARIO_VERSION;
  /** Also part of every key's derivation, so two scenarios never share hotspots. */
  name: string;
  description: string;
  area: AreaSpec;
  region: RegionName;
  hotspots: {
    count: number;
    /** Cluster centres of the Thomas process. */
    clusters: number;
    /** σ of a cluster's Gaussian spread, km. */
    clusterRadiusKm: number;
    /** Share of hotspots in clusters; the rest are uniform over the area (sparse). */
    clusteredShare: number;
    /**
     * Least distance between two radios, m (0 = none). Placement draws again until it holds, best
     * effort: a site that finds no free spot in its budget takes the farthest one it drew.
     */
    minSpacingM: number;
  };
  antenna: {
    /** dBi × 10 (rounded to whole tenths). */
    gain: Dist;
    /** m above ground (rounded). */
    elevationM: Dist;
  };
  indoor: {
    share: number;
    /** Building loss of an indoor hotspot, dB, added to each of its links. */
    lossDb: Dist;
  };
  /** Beacon window: every honest hotspot beacons once per UTC-aligned window. */
  beaconIntervalS: number;
  /** How long the run lasts on the clock. */
  durationS: number;
  /** Clock ms per real ms the scenario is meant for (the network's clock decides; the truth records it). */
  speed: number;
  seed: number;
  radio: {
    profile: string;
    correlationDistanceM: number;
    fieldSigmaDb: number;
    linkSigmaDb: number;
    fadingSigmaDb: number;
    /** σ of the receivers' SNR estimate, dB. */
    snrNoiseDb: number;
  };
  backhaul: Backhaul;
  /** Every behaviour but honest, with its share (0 when absent) and knobs. */
  behaviours: Record<Exclude<BehaviourName, 'honest'>, BehaviourSettings>;
  /** Other actors producing `packet` reports through the hotspots that hear them. */
  actors: {
    mappers: { count: number; speedKmh: Dist; uplinkPeriodS: number; txPowerDbm: number };
    devices: { count: number; uplinkPeriodS: Dist; payloadBytes: number; txPowerDbm: number };
  };
}

/** The defaults of every optional field (README "Scenarios"). */
export const SCENARIO_DEFAULTS = {
  clusteredShare: 0.8,
  antennaGain: {
    dist: 'choice',
    values: [
      { value: 12, share: 0.15 }, { value: 23, share: 0.35 }, { value: 30, share: 0.2 },
      { value: 40, share: 0.1 }, { value: 58, share: 0.15 }, { value: 80, share: 0.05 },
    ],
  } satisfies Dist,
  elevationM: { dist: 'lognormal', median: 8, sigma: 0.6, min: 3, max: 30 } satisfies Dist,
  /** sim-perf.md §4: 10–20 % indoor, +10–20 dB (ns-3 BuildingPenetrationLoss). */
  indoor: { share: 0.15, lossDb: { dist: 'uniform', min: 10, max: 20 } satisfies Dist },
  beaconIntervalS: 21_600,
  durationS: 86_400,
  speed: 1,
  seed: 1,
  radio: { profile: 'urban', correlationDistanceM: 110, fadingSigmaDb: 1.5, snrNoiseDb: 1 },
  /** Of the profile's σ², the correlated field takes this share and the per-link part the rest. */
  fieldVarianceShare: 0.75,
  mapper: { speedKmh: { dist: 'uniform', min: 20, max: 50 } satisfies Dist, uplinkPeriodS: 30, txPowerDbm: 14 },
  device: { uplinkPeriodS: { dist: 'uniform', min: 600, max: 1_800 } satisfies Dist, payloadBytes: 24, txPowerDbm: 14 },
} as const;
