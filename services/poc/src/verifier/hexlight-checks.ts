import { conductedPowerOrNull } from '@hexlight/protocol';
import { assertedMeta, type BeaconCheck, type WitnessSetCheck, type WitnessSetEntry } from './checks.ts';
import type { Evidence } from './types.ts';

// Rules the `hexlight` ruleset adds to Helium's. The README lists each with its evidence.

/**
 * The beaconer's reported tx_power may not exceed what its region allows with its asserted gain
 * (spec/regions.md §3 step 7). Helium never checks it, yet the FSPL bound for every witness
 * starts from it: claiming more power lets colluding witnesses report stronger signals.
 */
export const txPowerWithinRegion: BeaconCheck = {
  name: 'tx_power',
  reason: 'tx_power_too_high',
  run: (f) => {
    const meta = assertedMeta(f.meta, 'tx_power');
    const max = conductedPowerOrNull(meta.region, meta.gain);
    const txPowerDbm = f.beacon.decoded.report.txPower;
    return { ok: max !== null && txPowerDbm <= max, evidence: { txPowerDbm, ...(max === null ? {} : { maxTxPowerDbm: max }) } };
  },
};

/** Ingest arrival within this many ms, with an identical RF reading, counts as one radio. */
export const SHARED_RADIO_MAX_SKEW_MS = 5;

/**
 * One radio feeding several keys (reference/sim-perf.md §5 #5, "cluster packet forwarders"): a
 * packet forwarder hands every key the same rxpk, so their witnesses carry the same signal, snr
 * and frequency, and the same concentrator `tmst`, and reach ingest together.
 *
 * Two witnesses of one beacon from different keys match when signal, snr and frequency are all
 * equal and either their tmst is equal and set (independent concentrators' free-running µs counters agree
 * with probability 2^-32) or they reached ingest within 5 ms of each other. Every witness with a
 * match is failed, unless it already failed another check; a duplicate or self-witness is not
 * evidence. Honest hotspots rarely collide: RSSI in 0.1–1 dB steps times SNR in 0.25 dB steps,
 * times a 5-ms coincidence out of hundreds of ms of backhaul jitter.
 */
export const noSharedRadio: WitnessSetCheck = {
  name: 'shared_radio',
  reason: 'suspected_shared_radio',
  run: (entries) => {
    const groups = new Map<string, number[]>();
    entries.forEach((e, i) => {
      if (e.reason === 'duplicate' || e.reason === 'self_witness') return;
      const r = e.facts.witness.decoded.report;
      const key = `${r.signal}|${r.snr}|${r.frequency}`;
      const g = groups.get(key);
      if (g) g.push(i);
      else groups.set(key, [i]);
    });
    const flagged = new Map<number, Evidence>();
    for (const group of groups.values()) {
      if (group.length < 2) continue;
      for (const i of group) {
        const a = entries[i]!;
        if (a.reason !== null) continue;
        const matches = group.filter((j) => j !== i && sameRadio(a, entries[j]!));
        if (matches.length === 0) continue;
        const tmst = a.facts.witness.decoded.report.tmst;
        const byTmst = tmst !== 0 && matches.some((j) => entries[j]!.facts.witness.decoded.report.tmst === tmst);
        flagged.set(i, {
          sharedRadioWith: matches.map((j) => entries[j]!.facts.witness.address),
          sharedRadioMatch: byTmst ? 'tmst' : 'timing',
        });
      }
    }
    return flagged;
  },
};

function sameRadio(a: WitnessSetEntry, b: WitnessSetEntry): boolean {
  if (a.facts.witness.address === b.facts.witness.address) return false;
  const ra = a.facts.witness.decoded.report;
  const rb = b.facts.witness.decoded.report;
  return (ra.tmst !== 0 && ra.tmst === rb.tmst) || Math.abs(a.facts.witness.receivedMs - b.facts.witness.receivedMs) <= SHARED_RADIO_MAX_SKEW_MS;
}
