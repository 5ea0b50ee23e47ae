import { drawDist, type Dist } from '../scenario/dist.ts';
import { round3, type BehaviourModule } from './types.ts';

// Several keys on one radio (sim-perf.md §5 #3/#5, "cluster packet forwarders"): `keysPerRadio`
// hotspot identities behind one concentrator, asserted as separate hotspots around it (the first
// at the radio, the others `assertedSpreadKm` away). The forwarder hands every key the same
// reception at the same moment, so each witnessed beacon arrives from all of them with identical
// signal, SNR, frequency and tmst (`suspected_shared_radio`). Nothing at runtime differs from an
// honest hotspot: the pattern comes from the shared radio (sharedAntennaId).

export const sharedRadio: BehaviourModule = {
  name: 'shared_radio',
  cheater: true,
  summary: '`keysPerRadio` keys behind one radio: identical signal, SNR, frequency and tmst for every witnessed beacon',
  knobs: {
    keysPerRadio: { kind: 'int', default: 3, rule: { min: 2, max: 4, integer: true }, doc: 'keys sharing one radio' },
    assertedSpreadKm: {
      kind: 'dist', per: 'hotspot', default: { dist: 'uniform', min: 0.5, max: 3 }, rule: { min: 0, max: 100 }, unit: 'km',
      doc: 'how far from the radio each key but the first asserts',
    },
  },
  groups: { kind: 'radio', size: (s) => s.keysPerRadio as number, prefix: 'radio' },
  setup({ rng, settings, group }) {
    const km = group!.member === 0 ? 0 : drawDist(settings.assertedSpreadKm as Dist, rng);
    const bearingDeg = rng.range(0, 360);
    return {
      knobs: { sharedAntennaId: group!.id, keysPerRadio: group!.size, assertedOffsetKm: round3(km) },
      ...(km > 0 ? { assertOffset: { km, bearingDeg } } : {}),
    };
  },
};
