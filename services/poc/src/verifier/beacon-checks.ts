import { verifyBeacon } from '@hexlight/protocol';
import { assertedMeta, type BeaconCheck } from './checks.ts';
import { BEACON_INTERVAL_MS, ENTROPY_LIFESPAN_S, RECIPROCITY_WINDOW_MS } from './constants.ts';

// Helium's beacon checks (reference/helium-poc.md §8; helium/oracles iot_verifier poc.rs
// `verify_beacon`, `do_beacon_verifications`, runner.rs `verify_beacon_reciprocity`).

/** 1. The beaconer is a known hotspot at the beacon's receive time. */
export const gatewayKnown: BeaconCheck = {
  name: 'gateway_known',
  reason: 'gateway_not_found',
  run: (f) => ({ ok: f.meta !== null }),
};

/** 2. It has asserted a location (in a supported region). */
export const beaconerAsserted: BeaconCheck = {
  name: 'asserted',
  reason: 'not_asserted',
  run: (f) => ({ ok: f.meta !== null && f.meta.location !== null }),
};

/** 4. Its key is not on the denylist. */
export const beaconerNotDenied: BeaconCheck = {
  name: 'denylist',
  reason: 'denied',
  run: (f) => (f.denied ? { ok: false, evidence: { denylistTag: f.denied.tag } } : { ok: true }),
};

/** Whole seconds of a receive time, as chrono's `timestamp()` (floor). */
export function receivedSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}

/** entropy.ts ≤ received ≤ entropy.ts + 180 s, in whole seconds. Shared with the witness check. */
export function withinEntropyWindow(entropyTimestampS: number, receivedMs: number): { ok: boolean; receivedS: number } {
  const receivedS = receivedSeconds(receivedMs);
  return { ok: receivedS >= entropyTimestampS && receivedS <= entropyTimestampS + ENTROPY_LIFESPAN_S, receivedS };
}

/** 5. Received within the entropy's 180-s lifespan. */
export const beaconEntropyWindow: BeaconCheck = {
  name: 'entropy_window',
  reason: 'entropy_expired',
  run: (f) => {
    const { ok, receivedS } = withinEntropyWindow(f.entropy.timestamp, f.beacon.receivedMs);
    return { ok, evidence: { entropyTimestampS: f.entropy.timestamp, receivedS } };
  },
};

/** 6. A full hotspot (data-only hotspots take no part in PoC). */
export const beaconerCapability: BeaconCheck = {
  name: 'capability',
  reason: 'invalid_capability',
  run: (f) => ({ ok: assertedMeta(f.meta, 'capability').capability === 'full' }),
};

/** 7. First beacon in its UTC-aligned 6-h window (every counted beacon, valid or not, uses it up). */
export const beaconSchedule: BeaconCheck = {
  name: 'schedule',
  reason: 'irregular_interval',
  run: (f) => {
    const bucket = Math.floor(f.beacon.receivedMs / BEACON_INTERVAL_MS);
    const ok = f.lastBeaconMs === null || bucket > Math.floor(f.lastBeaconMs / BEACON_INTERVAL_MS);
    return { ok, evidence: { lastBeaconMs: f.lastBeaconMs, windowStartMs: bucket * BEACON_INTERVAL_MS } };
  },
};

/** 8. The payload, frequency and datarate regenerate from the entropies (spec/regions.md §3). */
export const beaconPayload: BeaconCheck = {
  name: 'payload',
  reason: 'invalid_packet',
  run: (f) => {
    const meta = assertedMeta(f.meta, 'payload');
    const check = verifyBeacon(f.beacon.decoded.report, f.entropy, meta.region, meta.gain);
    return check.ok ? { ok: true } : { ok: false, evidence: { detail: check.detail } };
  },
};

/** 9. Reciprocity (HIP-106): the beaconer witnessed something valid less than 48 h ago. */
export const beaconReciprocity: BeaconCheck = {
  name: 'beacon_reciprocity',
  reason: 'gateway_no_valid_witnesses',
  run: (f) => {
    const age = f.lastWitnessMs === null ? null : f.beacon.receivedMs - f.lastWitnessMs;
    return { ok: age !== null && age < RECIPROCITY_WINDOW_MS, evidence: { lastWitnessMs: f.lastWitnessMs, reciprocityAgeMs: age } };
  },
};
