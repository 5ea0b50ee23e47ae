import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync } from 'fastify';
import fastifyStatic from '@fastify/static';
import { feature, mesh } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';

export const WEB_DIR = fileURLToPath(new URL('../../web/', import.meta.url));
const require = createRequire(import.meta.url);
const MAPLIBRE_DIST = join(dirname(require.resolve('maplibre-gl/package.json')), 'dist');
const WORLD_ATLAS = dirname(require.resolve('world-atlas/package.json'));

/**
 * The web map at `/`: maps/web plus what it needs from npm packages, so nothing is fetched from
 * the internet (MapLibre from maplibre-gl/dist, the basemap from world-atlas' Natural Earth 1:50m
 * TopoJSON converted once to GeoJSON with topojson-client).
 */
export function webRoutes(): FastifyPluginAsync {
  return async (app) => {
    await app.register(fastifyStatic, { root: WEB_DIR, prefix: '/', wildcard: false, index: ['index.html'] });
    await app.register(fastifyStatic, {
      root: MAPLIBRE_DIST, prefix: '/vendor/maplibre/', wildcard: false, decorateReply: false,
      setHeaders: (res, path) => { if (path.endsWith('.mjs')) res.header('content-type', 'text/javascript; charset=utf-8'); },
    });
    let basemap: Promise<{ land: string; borders: string }> | undefined;
    const load = () => (basemap ??= (async () => {
      const topo = JSON.parse(await readFile(join(WORLD_ATLAS, 'countries-50m.json'), 'utf8')) as Topology<{ countries: GeometryCollection; land: GeometryCollection }>;
      return {
        land: JSON.stringify(feature(topo, topo.objects.land)),
        borders: JSON.stringify(mesh(topo, topo.objects.countries, (a, b) => a !== b)),
      };
    })());
    app.get('/basemap/land.geojson', { schema: { hide: true } }, async (_req, reply) => reply.type('application/geo+json').header('cache-control', 'public, max-age=86400').send((await load()).land));
    app.get('/basemap/borders.geojson', { schema: { hide: true } }, async (_req, reply) => reply.type('application/geo+json').header('cache-control', 'public, max-age=86400').send((await load()).borders));
  };
}
