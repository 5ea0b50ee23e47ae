import { bytesEqual } from '@hexlight/protocol';
import { withinEntropyWindow } from './beacon-checks.ts';
import { assertedMeta, type WitnessCheck, type WitnessFacts } from './checks.ts';
import {
  MAX_BEACON_TO_WITNESS_LAG_MS, MAX_FREQUENCY_DELTA_HZ, MAX_WITNESS_LAG_MS, POC_CELL_DISTANCE_MINIMUM, POC_DISTANCE_LIMIT_KM,
  RECIPROCITY_WINDOW_MS,
} from './constants.ts';
import { expectedRssiDbm } from './geometry.ts';

// Helium's witness checks, in its order (reference/helium-poc.md §9; helium/oracles iot_verifier
// poc.rs `verify_witnesses`, `do_witness_verifications`, runner.rs `verify_witness_reciprocity`).

/** 0. A later report from a key already heard for this beacon. */
export const notDuplicate: WitnessCheck = {
  name: 'duplicate',
  reason: 'duplicate',
  run: (f) => ({ ok: !f.duplicate }),
};

/** 1. The witness is a known hotspot at its receive time. */
export const witnessKnown: WitnessCheck = {
  name: 'gateway_known',
  reason: 'gateway_not_found',
  run: (f) => ({ ok: f.meta !== null }),
};

/** 2. The witness has asserted a location. */
export const witnessAsserted: WitnessCheck = {
  name: 'witness_asserted',
  reason: 'not_asserted',
  run: (f) => ({ ok: f.meta !== null && f.meta.location !== null }),
};

/** 2b. The beaconer is asserted (defensive: a valid beacon always is). */
export const witnessBeaconerAsserted: WitnessCheck = {
  name: 'beaconer_asserted',
  reason: 'not_asserted',
  side: 'beaconer',
  run: (f) => ({ ok: f.beaconer !== null && f.beaconer.location !== null }),
};

/** 3. The witness key is not denylisted. */
export const witnessNotDenied: WitnessCheck = {
  name: 'denylist',
  reason: 'denied',
  run: (f) => (f.denied ? { ok: false, evidence: { denylistTag: f.denied.tag } } : { ok: true }),
};

/** 4. The unordered pair (beaconer, witness) is not denylisted. */
export const edgeNotDenied: WitnessCheck = {
  name: 'denied_edge',
  reason: 'denied_edge',
  run: (f) => (f.deniedEdge ? { ok: false, evidence: { denylistTag: f.deniedEdge.tag } } : { ok: true }),
};

/** 5. Not the beaconer's own report (dropped from a valid PoC's output). */
export const notSelfWitness: WitnessCheck = {
  name: 'self_witness',
  reason: 'self_witness',
  run: (f) => ({ ok: f.witness.address !== f.beacon.address }),
};

/** 6. Received within the entropy's lifespan, like the beacon. */
export const witnessEntropyWindow: WitnessCheck = {
  name: 'entropy_window',
  reason: 'entropy_expired',
  run: (f) => {
    const { ok, receivedS } = withinEntropyWindow(f.entropy.timestamp, f.witness.receivedMs);
    return { ok, evidence: { entropyTimestampS: f.entropy.timestamp, receivedS } };
  },
};

/**
 * 7. Lag. Beacon first (same millisecond included): ≤ 4000 ms after the beacon; otherwise
 * ≤ 1500 ms after the first witness.
 */
export const witnessLag: WitnessCheck = {
  name: 'lag',
  reason: 'too_late',
  run: (f) => {
    const beaconFirst = f.beacon.receivedMs <= f.firstWitnessMs;
    const from = beaconFirst ? f.beacon.receivedMs : f.firstWitnessMs;
    const maxLagMs = beaconFirst ? MAX_BEACON_TO_WITNESS_LAG_MS : MAX_WITNESS_LAG_MS;
    const lagMs = f.witness.receivedMs - from;
    return { ok: lagMs <= maxLagMs, evidence: { lagMs, maxLagMs, lagFrom: beaconFirst ? 'beacon' : 'first_witness' } };
  },
};

/** 8. The witness heard the beacon's exact bytes. */
export const witnessPayload: WitnessCheck = {
  name: 'payload',
  reason: 'invalid_packet',
  run: (f) => ({ ok: bytesEqual(f.witness.decoded.report.data, f.beacon.decoded.report.data) }),
};

/** 9. A full hotspot. */
export const witnessCapability: WitnessCheck = {
  name: 'capability',
  reason: 'invalid_capability',
  run: (f) => ({ ok: assertedMeta(f.meta, 'capability').capability === 'full' }),
};

function frequencyDeltaHz(f: WitnessFacts): number {
  return Math.abs(f.beacon.decoded.report.frequency - f.witness.decoded.report.frequency);
}

/**
 * 10. Frequency within 100 kHz of the beacon's. Helium casts the u64 difference to i32
 * (`abs_diff(..) as i32 > 100_000`), so a difference of 2^31 Hz or more wraps and can pass;
 * kept here as Helium runs it (the hexlight ruleset compares the true difference).
 */
export const witnessFrequencyHelium: WitnessCheck = {
  name: 'frequency',
  reason: 'invalid_frequency',
  run: (f) => {
    const delta = frequencyDeltaHz(f);
    const asI32 = Number(BigInt.asIntN(32, BigInt(delta)));
    return { ok: !(asI32 > MAX_FREQUENCY_DELTA_HZ), evidence: { frequencyDeltaHz: delta } };
  },
};

/** 10 without the wrap: the true difference must be ≤ 100 kHz. */
export const witnessFrequencyExact: WitnessCheck = {
  name: 'frequency_exact',
  reason: 'invalid_frequency',
  run: (f) => {
    const delta = frequencyDeltaHz(f);
    return { ok: delta <= MAX_FREQUENCY_DELTA_HZ, evidence: { frequencyDeltaHz: delta } };
  },
};

/** 11. Same region as the beaconer. */
export const witnessRegion: WitnessCheck = {
  name: 'region',
  reason: 'invalid_region',
  run: (f) => ({ ok: assertedMeta(f.meta, 'region').region === assertedMeta(f.beaconer, 'region').region }),
};

/** 12. At least 8 res-11 cells from the beaconer (an H3 failure is a failure). */
export const witnessMinDistance: WitnessCheck = {
  name: 'min_distance',
  reason: 'below_min_distance',
  run: (f) => {
    const grid = f.gridDistance();
    return { ok: grid !== null && grid >= POC_CELL_DISTANCE_MINIMUM, evidence: { gridDistanceRes11: grid } };
  },
};

/** 13. floor(distance_m / 1000) ≤ 100 (HIP-58). */
export const witnessMaxDistance: WitnessCheck = {
  name: 'max_distance',
  reason: 'max_distance_exceeded',
  run: (f) => {
    const d = f.distanceM();
    if (d === null) return { ok: false };
    return { ok: Math.floor(d / 1000) <= POC_DISTANCE_LIMIT_KM, evidence: { distanceM: d } };
  },
};

/** 14. Not heard louder than free space allows with the beaconer's reported tx power. */
export const witnessRssi: WitnessCheck = {
  name: 'rssi',
  reason: 'bad_rssi',
  run: (f) => {
    const d = f.distanceM();
    if (d === null) return { ok: false };
    const beaconer = assertedMeta(f.beaconer, 'rssi');
    const witness = assertedMeta(f.meta, 'rssi');
    const expected = expectedRssiDbm(f.beacon.decoded.report.txPower, beaconer.gain, witness.gain, d, f.witness.decoded.report.frequency);
    const measured = f.witness.decoded.report.signal / 10;
    return { ok: !(measured > expected), evidence: { distanceM: d, expectedRssiDbm: expected, measuredRssiDbm: measured } };
  },
};

/** 15. Reciprocity (HIP-106): the witness beaconed with witnesses less than 48 h ago. */
export const witnessReciprocity: WitnessCheck = {
  name: 'witness_reciprocity',
  reason: 'gateway_no_valid_beacons',
  run: (f) => {
    const last = f.lastBeaconWithWitnessMs;
    const age = last === null ? null : f.witness.receivedMs - last;
    return { ok: age !== null && age < RECIPROCITY_WINDOW_MS, evidence: { lastBeaconWithWitnessMs: last, reciprocityAgeMs: age } };
  },
};
