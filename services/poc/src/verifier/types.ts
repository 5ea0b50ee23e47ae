import type { DecodedReportOf, RegionName } from '@hexlight/protocol';
import type { EntropyRecord } from '../entropy.ts';

// What the verifier reads and what it says. Verdicts carry the reason and the numbers behind it,
// so an owner can see why a witness failed ("bad_rssi: measured −61.0 dBm, free space allows
// −74.2 dBm at 2 110 m"), and the live runner can store them next to the verdict.

export type { EntropyRecord };

/** A hotspot's on-chain metadata in force at some moment (replaced by a later assertion from its at_ms on). */
export interface HotspotMeta {
  address: string;
  /** Solana wallet of the owner. */
  owner: string;
  /** Asserted H3 cell (res 12 in practice), lowercase hex; null = not asserted. */
  location: string | null;
  region: RegionName;
  /** Antenna gain, dBi × 10. */
  gain: number;
  /** Metres above ground. */
  elevation: number;
  capability: 'full' | 'data_only';
}

/** A received report: the exact bytes, when they arrived, and their decoding. */
export interface ReportIn<K extends 'beacon' | 'witness'> {
  /** Hex report id = SHA-256 of `payload` (spec/wire.md §5). */
  id: string;
  /** Ingest receive time, ms: the only clock the verifier trusts. */
  receivedMs: number;
  payload: Uint8Array;
  decoded: DecodedReportOf<K>;
  /** Address of the report's key (derived from `decoded.keyBinary`). */
  address: string;
}

export type BeaconIn = ReportIn<'beacon'>;
export type WitnessIn = ReportIn<'witness'>;

/** The reasons of Helium's last IoT verifier (spec/poc-replay.md). `self_witness` never reaches output. */
export const HELIUM_REASONS = [
  'bad_signature', 'gateway_not_found', 'not_asserted', 'denied', 'denied_edge', 'entropy_expired',
  'invalid_capability', 'irregular_interval', 'invalid_packet', 'gateway_no_valid_witnesses', 'duplicate',
  'too_late', 'invalid_frequency', 'invalid_region', 'below_min_distance', 'max_distance_exceeded', 'bad_rssi',
  'gateway_no_valid_beacons', 'stale', 'self_witness',
] as const;
export type HeliumReason = (typeof HELIUM_REASONS)[number];

/** Reasons only the `hexlight` ruleset gives (README lists each with its evidence). */
export const HEXLIGHT_REASONS = ['tx_power_too_high', 'suspected_shared_radio'] as const;
export type HexlightReason = (typeof HEXLIGHT_REASONS)[number];

export type Reason = HeliumReason | HexlightReason;

/** The numbers behind a verdict. Each check fills in what it measured, pass or fail. */
export interface Evidence {
  /** Entropy check: the entropy's timestamp and the report's receive time, whole seconds. */
  entropyTimestampS?: number;
  receivedS?: number;
  /** Schedule check: previous beacon of this hotspot and the start of this beacon's 6-h window. */
  lastBeaconMs?: number | null;
  windowStartMs?: number;
  /** Reciprocity: the other half's last time and how old it was at this report. */
  lastWitnessMs?: number | null;
  lastBeaconWithWitnessMs?: number | null;
  reciprocityAgeMs?: number | null;
  denylistTag?: string;
  /** Payload mismatch or another check's words. */
  detail?: string;
  /** Beaconer's reported and allowed conducted power, dBm. */
  txPowerDbm?: number;
  maxTxPowerDbm?: number;
  /** Witness lag and the rule it was held to. */
  lagMs?: number;
  maxLagMs?: number;
  lagFrom?: 'beacon' | 'first_witness';
  /** |beacon frequency − witness frequency|, Hz. */
  frequencyDeltaHz?: number;
  /** Great-circle distance between the asserted cells, whole metres. */
  distanceM?: number;
  /** Grid distance between the res-11 parents (null: H3 could not compute it). */
  gridDistanceRes11?: number | null;
  /** Free-space bound and what the witness reported, dBm. */
  expectedRssiDbm?: number;
  measuredRssiDbm?: number;
  /** Hex density: scale and whether the 0.2 default applied (beaconer not interactive). */
  hexScaleDefaulted?: boolean;
  /** Shared-radio rule: the other keys with the same radio fingerprint, and what matched. */
  sharedRadioWith?: string[];
  sharedRadioMatch?: 'tmst' | 'timing';
}

export interface BeaconVerdict {
  /** The beacon's report id (= poc id). */
  pocId: string;
  address: string;
  receivedMs: number;
  valid: boolean;
  reason: Reason | null;
  /** 4-dp hex scale of a valid beacon; null when invalid. */
  hexScale: number | null;
  /** 4-dp HIP-15 units; 0 when invalid. */
  rewardUnit: number;
  evidence: Evidence;
}

export interface WitnessVerdict {
  id: string;
  address: string;
  receivedMs: number;
  valid: boolean;
  reason: Reason | null;
  /** Whose fault: 'beaconer' when the witness carries its invalid beacon's reason. */
  side: 'beaconer' | 'witness' | null;
  selected: boolean;
  /** 4-dp HIP-15 units of a selected witness; 0 otherwise. */
  rewardUnit: number;
  evidence: Evidence;
}

/** A reward share, as Helium's `gateway_shares` row: hexScale × rewardUnit, exact decimal string. */
export interface Share {
  pocId: string;
  address: string;
  type: 'beacon' | 'witness';
  rewardTimestampMs: number;
  hexScale: string;
  rewardUnit: string;
  shares: string;
}

/** What a verified PoC changes; the caller applies them (the live runner in its verdict transaction). */
export type StateUpdate =
  /** Every beacon of a known, asserted hotspot: the 6-h window rule. */
  | { kind: 'last_beacon'; address: string; atMs: number }
  /** Every witness passing the ruleset's witness checks (before reciprocity): beacon reciprocity. */
  | { kind: 'last_witness'; address: string; atMs: number }
  /** A beacon passing the ruleset's beacon checks with ≥ 1 witness report: witness reciprocity, interactivity. */
  | { kind: 'last_beacon_with_witness'; address: string; atMs: number };

export interface PocResult {
  beaconVerdict: BeaconVerdict;
  /** In (receivedMs, id) order. Self-witnesses are left out of a valid PoC (Helium drops them). */
  witnessVerdicts: WitnessVerdict[];
  /** Self-witnesses dropped from a valid PoC, for logs. */
  omittedWitnesses: WitnessVerdict[];
  shares: Share[];
  stateUpdates: StateUpdate[];
}
