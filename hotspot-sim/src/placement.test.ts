import { describe, expect, it } from 'vitest';
import * as h3 from 'h3-js';
import { CITIES, cityPreset, UnknownCity } from './cities.ts';
import { distanceM, placeHotspots } from './placement.ts';

describe('placement', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const city = cityPreset('lisbon');
    expect(placeHotspots(city, 50, 42)).toEqual(placeHotspots(city, 50, 42));
    expect(placeHotspots(city, 50, 43)).not.toEqual(placeHotspots(city, 50, 42));
  });

  it('keeps every hotspot inside its city, on the centre of a res-12 cell', () => {
    for (const city of Object.values(CITIES)) {
      const sites = placeHotspots(city, 200, 7);
      expect(sites).toHaveLength(200);
      for (const s of sites) {
        expect(h3.isValidCell(s.cell)).toBe(true);
        expect(h3.getResolution(s.cell)).toBe(12);
        const [lat, lng] = h3.cellToLatLng(s.cell);
        expect(s.lat).toBe(lat);
        expect(s.lng).toBe(lng);
        expect(distanceM(city, s)).toBeLessThanOrEqual(city.radiusKm * 1000);
      }
    }
  });

  it('clusters: nearest neighbours are much closer than uniform placement would give', () => {
    const city = cityPreset('amsterdam');
    const clustered = placeHotspots(city, 120, 3);
    const uniform = placeHotspots(city, 120, 3, { scatteredShare: 1 });
    const meanNearest = (sites: typeof clustered) => sites.reduce((sum, a) => sum + Math.min(...sites.filter((b) => b !== a).map((b) => distanceM(a, b))), 0) / sites.length;
    expect(meanNearest(clustered)).toBeLessThan(meanNearest(uniform) * 0.8);
  });

  it('refuses an unknown city with a coded error', () => {
    expect(() => cityPreset('atlantis')).toThrow(expect.objectContaining({ code: UnknownCity.code }));
  });
});
