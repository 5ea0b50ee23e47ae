import type { RegionName } from '@hexlight/protocol';
import { defineError } from '@hexlight/kit';

// City presets a fleet is placed in. Centres are the usual city-centre coordinates; the radius is
// a rough metropolitan extent, so hotspots stay on land-ish urban ground without needing a map.

export interface CityPreset {
  readonly name: string;
  readonly lat: number;
  readonly lng: number;
  readonly radiusKm: number;
  /** The Helium region its hotspots assert (spec/regions.md). */
  readonly region: RegionName;
}

export const UnknownCity = defineError('SIM_UNKNOWN_CITY', 'unknown city preset', { httpStatus: 400 });

export const CITIES: Readonly<Record<string, CityPreset>> = Object.freeze({
  lisbon: { name: 'lisbon', lat: 38.7223, lng: -9.1393, radiusKm: 6, region: 'EU868' },
  amsterdam: { name: 'amsterdam', lat: 52.3676, lng: 4.9041, radiusKm: 7, region: 'EU868' },
  'san-francisco': { name: 'san-francisco', lat: 37.7749, lng: -122.4194, radiusKm: 6, region: 'US915' },
  sydney: { name: 'sydney', lat: -33.8688, lng: 151.2093, radiusKm: 12, region: 'AU915' },
  singapore: { name: 'singapore', lat: 1.3521, lng: 103.8198, radiusKm: 12, region: 'AS923_1' },
});

export const CITY_NAMES: readonly string[] = Object.keys(CITIES);

/** The preset called `name`; SIM_UNKNOWN_CITY (listing the known ones) otherwise. */
export function cityPreset(name: string): CityPreset {
  const city = Object.hasOwn(CITIES, name) ? CITIES[name] : undefined;
  if (!city) throw UnknownCity(`unknown city ${JSON.stringify(name)}; known: ${CITY_NAMES.join(', ')}`, { city: name, known: CITY_NAMES });
  return city;
}
