import { regionMaxEirp } from '@hexlight/protocol';
import { drawDist, type Dist } from '../scenario/dist.ts';
import { honestReport, knobNumber, round3, type BehaviourModule } from './types.ts';

// RSSI/SNR manipulation (sim-perf.md §5 #4): an amplifier or a patched packet forwarder reports
// every beacon `rssiBiasDb` stronger than the radio measured (the SNR stays what it was, so the two
// disagree), and the owner may assert more antenna gain than is mounted (`gainLieDbi`, loosening
// its free-space bound) and claim more transmit power in its beacons (`txPowerLieDb`). What gives
// it away: witnesses above the free-space bound (`bad_rssi`), beacons over the region's power
// (`tx_power_too_high`), RSSI inconsistent with SNR.

export const rssiForger: BehaviourModule = {
  name: 'rssi_forger',
  cheater: true,
  summary: 'reports every beacon `rssiBiasDb` louder than measured; may assert `gainLieDbi` more gain and claim `txPowerLieDb` more power',
  knobs: {
    rssiBiasDb: { kind: 'dist', per: 'hotspot', default: { dist: 'uniform', min: 25, max: 45 }, rule: { min: 0, max: 120 }, unit: 'dB', doc: 'added to every measured RSSI' },
    gainLieDbi: { kind: 'dist', per: 'hotspot', default: 0, rule: { min: 0, max: 30 }, unit: 'dBi', doc: 'asserted antenna gain minus the real one (capped at the region\'s max EIRP)' },
    txPowerLieDb: { kind: 'dist', per: 'hotspot', default: 0, rule: { min: 0, max: 30 }, unit: 'dB', doc: 'added to the tx_power its beacons report' },
  },
  setup({ rng, settings, trueGain, region }) {
    const rssiBiasDb = round3(drawDist(settings.rssiBiasDb as Dist, rng));
    const wanted = trueGain + Math.round(drawDist(settings.gainLieDbi as Dist, rng) * 10);
    // The registry refuses a gain above the max EIRP (every beacon would be invalid).
    const assertedGain = Math.min(wanted, regionMaxEirp(region));
    const txPowerLieDb = Math.round(drawDist(settings.txPowerLieDb as Dist, rng));
    return {
      knobs: { rssiBiasDb, gainLieDbi: (assertedGain - trueGain) / 10, txPowerLieDb },
      assertedGain,
    };
  },
  reportedTxPower: (knobs, conducted) => conducted + knobNumber(knobs, 'txPowerLieDb'),
  report(knobs, reception) {
    const plan = honestReport(reception);
    return { ...plan, signal: plan.signal + Math.round(knobNumber(knobs, 'rssiBiasDb') * 10) };
  },
};
