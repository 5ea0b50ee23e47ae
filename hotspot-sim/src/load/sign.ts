import { deriveBeacon, encodeSignedReport, type DerivedBeacon, type HotspotKey, type RegionName, type RemoteEntropy } from '@hexlight/protocol';
import { createRng } from '../rng.ts';

// The reports of one corpus hotspot, as wire.md §3–§4 describes them. Reports come in rounds: a
// beacon derived from the round's entropy (spec/regions.md §3, so data, frequency, datarate and
// power are what the verifier regenerates), then `witnessesPerBeacon` witnesses of other corpus
// hotspots' beacons of the same round. Every draw comes from (seed, hotspot, round), so a
// hotspot's bytes do not depend on which thread signs it.

export interface CorpusPlan {
  seed: number;
  region: RegionName;
  perHotspot: number;
  witnessesPerBeacon: number;
  /** Hotspot clock of the first round, ms. */
  startMs: number;
  /** dBi × 10 of every hotspot of the corpus (a witness needs its beaconer's). */
  gains: Int32Array;
}

/** One entropy (and so one beacon per hotspot) per round, as the network rotates entropy every 60 s. */
export const ROUND_MS = 60_000;

const NS_PER_MS = 1_000_000n;

export function roundEntropy(plan: CorpusPlan, round: number): RemoteEntropy {
  return {
    data: createRng(plan.seed).fork('load-entropy', round).bytes(32),
    timestamp: Math.floor(plan.startMs / 1000) + round * (ROUND_MS / 1000),
    version: 0,
  };
}

export function beaconLocalEntropy(plan: CorpusPlan, hotspot: number, round: number): Uint8Array {
  return createRng(plan.seed).fork('load-beacon', hotspot, round).bytes(4);
}

/** Signs hotspot `h`'s reports in order and hands each to `emit` (kind: 0 beacon, 1 witness). */
export function signHotspotReports(plan: CorpusPlan, h: number, key: HotspotKey, emit: (kind: 0 | 1, payload: Uint8Array) => void, beacons = new BeaconCache(plan)): void {
  const n = plan.gains.length;
  const perRound = plan.witnessesPerBeacon + 1;
  const radio = createRng(plan.seed).fork('load-radio', h);
  const tmstOrigin = radio.int(0x1_0000_0000);
  for (let j = 0; j < plan.perHotspot; j++) {
    const round = Math.floor(j / perRound);
    const slot = j % perRound;
    const ms = plan.startMs + round * ROUND_MS + slot * 500 + (h % 500);
    const timestamp = BigInt(ms) * NS_PER_MS;
    const tmst = (tmstOrigin + ms * 1000) % 0x1_0000_0000;
    if (slot === 0) {
      const b = beacons.get(h, round);
      emit(0, encodeSignedReport('beacon', {
        pubKey: key.keyBinary, localEntropy: beaconLocalEntropy(plan, h, round), remoteEntropy: beacons.entropy(round).data, data: b.data,
        frequency: b.frequency, channel: 0, datarate: b.datarateValue, txPower: b.conductedPower, timestamp, tmst,
      }, key.privateKey).payload);
    } else {
      // The k-th witness of a round hears the k-th next hotspot, so one round's witnesses hear different beaconers.
      const beaconer = n > 1 ? (h + 1 + ((slot - 1) % (n - 1))) % n : h;
      const b = beacons.get(beaconer, round);
      emit(1, encodeSignedReport('witness', {
        pubKey: key.keyBinary, data: b.data, timestamp, tmst,
        signal: -1300 + radio.int(500), snr: -200 + radio.int(300), frequency: b.frequency, datarate: b.datarateValue,
      }, key.privateKey).payload);
    }
  }
}

/** Derived beacons by (hotspot, round); bounded, since a signer walks hotspots in order. */
export class BeaconCache {
  private readonly beacons = new Map<string, DerivedBeacon>();
  private readonly entropies = new Map<number, RemoteEntropy>();

  constructor(private readonly plan: CorpusPlan, private readonly max = 50_000) {}

  entropy(round: number): RemoteEntropy {
    let e = this.entropies.get(round);
    if (!e) this.entropies.set(round, (e = roundEntropy(this.plan, round)));
    return e;
  }

  get(h: number, round: number): DerivedBeacon {
    const id = `${h}:${round}`;
    let b = this.beacons.get(id);
    if (!b) {
      if (this.beacons.size >= this.max) this.beacons.clear();
      b = deriveBeacon({ remoteEntropy: this.entropy(round), localEntropy: beaconLocalEntropy(this.plan, h, round), region: this.plan.region, gain: this.plan.gains[h]! });
      this.beacons.set(id, b);
    }
    return b;
  }
}
