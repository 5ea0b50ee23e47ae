import * as h3 from 'h3-js';
import { describe, expect, it } from 'vitest';
import { toFixed } from './decimal.ts';
import { computeHexDensity, createHexDensityCache, DEFAULT_HEX_SCALE, hexScaleFor } from './hex-density.ts';
import { seededRandom } from '../testkit.ts';

const cell = (u64: string): string => BigInt(u64).toString(16);

// helium/oracles iot_verifier hex_density.rs test `simple_scale_check`: the 2022-10-14 population
// of res-8 hex 882830D341FFFFF (36 hotspots) and the full expected map.
const POPULATION = [
  '631210990515536895', '631210990515536895', '631210990515536895', '631210990515537919', '631210990515537919',
  '631210990515537919', '631210990515538431', '631210990515564031', '631210990515589631', '631210990515600383',
  '631210990515601919', '631210990515606527', '631210990515722239', '631210990515722239', '631210990515727359',
  '631210990515728895', '631210990515739647', '631210990515874303', '631210990515924479', '631210990516363775',
  '631210990515987455', '631210990516590079', '631210990516612607', '631210990516613631', '631210990516640767',
  '631210990516876799', '631210990516885503', '631210990516888063', '631210990516907007', '631210990516912639',
  '631210990516955647', '631210990516996607', '631210990517011455', '631210990517016575', '631210990517144063',
  '631210990517264895',
];
const EXPECTED: Record<string, string> = {
  '631210990515537919': '0.0060', '631210990516955647': '0.0417', '631210990516885503': '0.0139', '631210990515601919': '0.0104',
  '631210990516590079': '0.0556', '631210990516888063': '0.0139', '631210990516640767': '0.0556', '631210990516907007': '0.0208',
  '631210990515874303': '0.0556', '631210990517011455': '0.0139', '631210990516363775': '0.1667', '631210990515589631': '0.0104',
  '631210990516996607': '0.0139', '631210990515600383': '0.0104', '631210990517016575': '0.0139', '631210990515606527': '0.0104',
  '631210990515739647': '0.0083', '631210990516613631': '0.0278', '631210990516876799': '0.0139', '631210990515924479': '0.0556',
  '631210990515538431': '0.0060', '631210990515536895': '0.0060', '631210990517144063': '0.0833', '631210990517264895': '0.0833',
  '631210990516612607': '0.0278', '631210990515722239': '0.0083', '631210990516912639': '0.0208', '631210990515727359': '0.0083',
  '631210990515564031': '0.0417', '631210990515728895': '0.0083', '631210990515987455': '0.0556',
};

describe('HIP-17 / HIP-104 hex density (exact port)', () => {
  it('reproduces Helium\'s simple_scale_check map', () => {
    const map = computeHexDensity(POPULATION.map(cell));
    const got = Object.fromEntries([...map.entries()].map(([c, s]) => [BigInt(`0x${c}`).toString(), toFixed(s, 4)]));
    expect(got).toEqual(EXPECTED);
  });

  it('three interactive hotspots in one res-12 cell of res-8 hex 882830D341FFFFF: 0.0060 each; least crowded 0.1667', () => {
    const crowded = cell('631210990515536895');
    expect(h3.cellToParent(crowded, 8)).toBe('882830d341fffff');
    const map = computeHexDensity(POPULATION.map(cell));
    expect(toFixed(map.get(crowded)!, 4)).toBe('0.0060');
    expect(toFixed(map.get(cell('631210990516363775'))!, 4)).toBe('0.1667');
  });

  it('a lone hotspot scales 1; two in one res-8 hex scale 0.5 each', () => {
    const a = h3.latLngToCell(38.7223, -9.1393, 12);
    expect(toFixed(computeHexDensity([a]).get(a)!, 4)).toBe('1.0000');
    const b = h3.cellToChildren(h3.cellToParent(a, 9), 12).find((c) => h3.gridDistance(h3.cellToParent(c, 10), h3.cellToParent(a, 10)) > 0)!;
    const map = computeHexDensity([a, b]);
    expect([toFixed(map.get(a)!, 4), toFixed(map.get(b)!, 4)]).toEqual(['0.5000', '0.5000']);
  });

  it('a beaconer missing from the map gets the 0.2 default', () => {
    const r = hexScaleFor(new Map(), '8c39336742f41ff');
    expect(r).toEqual({ scale: DEFAULT_HEX_SCALE, defaulted: true });
    expect(toFixed(r.scale, 4)).toBe('0.2000');
  });

  it('the cache rebuilds only for a new cells array', () => {
    const cache = createHexDensityCache();
    const cells = [h3.latLngToCell(38.7, -9.1, 12)];
    expect(cache(cells)).toBe(cache(cells));
    expect(cache([...cells])).not.toBe(cache(cells));
  });

  it('property: every scale is in (0, 1] (seeded random clustered populations)', () => {
    const random = seededRandom(17);
    for (let round = 0; round < 25; round++) {
      const cells: string[] = [];
      const clusters = 1 + Math.floor(random() * 4);
      for (let c = 0; c < clusters; c++) {
        const lat = 38 + random() * 2;
        const lng = -9 + random() * 2;
        const size = 1 + Math.floor(random() * 60);
        const spread = random() * 0.05;
        for (let i = 0; i < size; i++) cells.push(h3.latLngToCell(lat + (random() - 0.5) * spread, lng + (random() - 0.5) * spread, 12));
      }
      for (const [, scale] of computeHexDensity(cells).entries()) {
        const v = Number(toFixed(scale, 4));
        expect(v).toBeGreaterThan(0);
        expect(v).toBeLessThanOrEqual(1);
      }
    }
  });
});
