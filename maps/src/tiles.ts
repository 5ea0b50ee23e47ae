import { fromGeojsonVt } from '@maplibre/vt-pbf';
import { cellToBoundary } from 'h3-js';
import type { HexRecord } from './query.ts';

export const TILE_EXTENT = 4096;

/** The tile's bbox [west, south, east, north] in degrees (web mercator XYZ scheme). */
export function tileBbox(z: number, x: number, y: number): [number, number, number, number] {
  const n = 2 ** z;
  const lng = (xx: number) => (xx / n) * 360 - 180;
  const lat = (yy: number) => (Math.atan(Math.sinh(Math.PI * (1 - (2 * yy) / n))) * 180) / Math.PI;
  return [lng(x), lat(y + 1), lng(x + 1), lat(y)];
}

function project(z: number, x: number, y: number, lng: number, lat: number): [number, number] {
  const n = 2 ** z;
  const px = ((lng + 180) / 360) * n;
  const s = Math.sin((lat * Math.PI) / 180);
  const py = (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * n;
  return [Math.round((px - x) * TILE_EXTENT), Math.round((py - y) * TILE_EXTENT)];
}

/**
 * Mapbox Vector Tile with one layer `coverage`: a polygon per hex (feature property `h3` for
 * promoteId), coordinates outside the tile kept (the renderer clips; hexes straddle tile edges).
 */
export function coverageTile(z: number, x: number, y: number, records: HexRecord[]): Uint8Array {
  const features = records.map((r) => {
    const ring = cellToBoundary(r.h3, true).map(([lng, lat]) => project(z, x, y, lng!, lat!));
    return {
      type: 3 as const,
      geometry: [ring],
      tags: {
        h3: r.h3, source: r.source, level: r.level, covered: r.covered, rssi_best: r.rssi_best, snr_best: r.snr_best,
        samples: r.samples, gateways: r.gateways, last_seen: r.last_seen, confidence: r.confidence,
      },
    };
  });
  return fromGeojsonVt({ coverage: { features } as never }, { version: 2, extent: TILE_EXTENT });
}
