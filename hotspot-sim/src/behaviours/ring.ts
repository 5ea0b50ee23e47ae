import { drawDist } from '../scenario/dist.ts';
import { freeSpaceBoundDbm, measuredSnr, snrFor } from '../radio.ts';
import { knobDist, type BehaviourModule } from './types.ts';

// A collusion ring (sim-perf.md §5 #2): `size` hotspots, spread at least `minSpacingKm` apart,
// relay each other's beacons over the internet. A member that did not hear a fellow member's
// beacon publishes a witness anyway, once the relay got it there (`relayDelayMs`, plus its own
// backhaul), with an RSSI it makes up: `fakeRssiMarginDb` under the free-space bound of the
// asserted distance, so the FSPL check passes. What gives it away: witnesses of beacons the
// radio could not hear, arriving late (`too_late` past 4 s), and a dense reciprocal witness graph.

export const ring: BehaviourModule = {
  name: 'ring',
  cheater: true,
  summary: 'members relay each other\'s beacons over the internet and witness them with made-up RSSI, late',
  knobs: {
    size: { kind: 'int', default: 4, rule: { min: 2, max: 32, integer: true }, doc: 'members per clique' },
    minSpacingKm: {
      kind: 'number', default: 2, rule: { min: 0, max: 100 }, unit: 'km',
      doc: 'members are placed at least this far apart, so most cannot hear each other',
    },
    relayDelayMs: {
      kind: 'dist', per: 'event', default: { dist: 'uniform', min: 1_500, max: 6_000 }, rule: { min: 0, max: 120_000 }, unit: 'ms',
      doc: 'internet relay time before a member learns of a fellow member\'s beacon',
    },
    fakeRssiMarginDb: {
      kind: 'dist', per: 'event', default: { dist: 'uniform', min: 5, max: 25 }, rule: { min: 0, max: 100 }, unit: 'dB',
      doc: 'how far under the asserted free-space bound the invented RSSI is',
    },
  },
  groups: { kind: 'clique', size: (s) => s.size as number, prefix: 'ring' },
  setup({ settings, group }) {
    return {
      knobs: {
        cliqueId: group!.id,
        size: group!.size,
        minSpacingKm: settings.minSpacingKm,
        relayDelayMs: settings.relayDelayMs,
        fakeRssiMarginDb: settings.fakeRssiMarginDb,
      },
    };
  },
  fabricate(self, seen) {
    if (seen.heard || seen.beaconer.behaviour !== 'ring' || seen.beaconer.knobs.cliqueId !== self.knobs.cliqueId) return null;
    const relayMs = Math.round(drawDist(knobDist(self.knobs, 'relayDelayMs'), seen.rng));
    const marginDb = drawDist(knobDist(self.knobs, 'fakeRssiMarginDb'), seen.rng);
    const capDbm = freeSpaceBoundDbm(seen.beacon.reportedTxPower, seen.beaconer.assertedGain, self.assertedGain, seen.assertedDistanceM, seen.beacon.frequency);
    // Made up, but plausible: under the bound the verifier computes, above what no radio demodulates.
    const signal = Math.max(-1350, Math.min(-400, Math.floor((capDbm - marginDb) * 10)));
    const arrivedAt = seen.beacon.sentAt + relayMs;
    // The SNR it would have measured at that RSSI, as a receiver reports it.
    return { signal, snr: measuredSnr(snrFor(signal), seen.rng.gaussian(), 1), delayMs: relayMs + seen.latencyMs, receivedAtMs: arrivedAt, physical: false };
  },
};

