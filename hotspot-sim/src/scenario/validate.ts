import { freezeDeep } from '@hexlight/kit';
import { isRegionName, REGION_NAMES, regionMaxEirp, type RegionName } from '@hexlight/protocol';
import { BACKHAUL_CLASSES, DEFAULT_BACKHAUL, type Backhaul } from '../backhaul.ts';
import { BEHAVIOUR_MODULES, SCENARIO_BEHAVIOURS, type BehaviourSettings, type KnobSpec } from '../behaviours/index.ts';
import { CITIES, CITY_NAMES } from '../cities.ts';
import { MAX_FLEET_HOTSPOTS } from '../config.ts';
import { PATH_LOSS_PROFILES } from '../radio.ts';
import { createArea, type AreaSpec } from './area.ts';
import { fieldPath, FieldChecker, type Json } from './check.ts';
import { SCENARIO_DEFAULTS, SCENARIO_FORMAT, SCENARIO_VERSION, type Scenario } from './format.ts';

// validateScenario: a parsed JSON document in, a complete, frozen Scenario out, or
// SIM_SCENARIO_INVALID naming the first field that is wrong and why. Unknown fields are refused
// (a typo must not silently fall back to a default).

const TOP_LEVEL = [
  'format', 'version', 'name', 'description', 'area', 'region', 'hotspots', 'antenna', 'indoor', 'beaconIntervalS',
  'durationS', 'speed', 'seed', 'radio', 'backhaul', 'behaviours', 'actors',
] as const;

/** Larger areas break the flat local frame and are not what the radio profiles describe. */
export const MAX_AREA_RADIUS_KM = 500;
/** `hexlight sim --speed` accepts up to this (packages/cli network-clock.ts). */
export const MAX_SCENARIO_SPEED = 10_000;

export function validateScenario(doc: unknown, source = 'scenario'): Readonly<Scenario> {
  const c = new FieldChecker(source);
  const root = c.object(doc, '', TOP_LEVEL, ['format', 'version', 'name', 'area', 'hotspots']);
  if (root.format !== SCENARIO_FORMAT) c.fail('format', `must be "${SCENARIO_FORMAT}"`);
  if (root.version !== SCENARIO_VERSION) c.fail('version', `must be ${SCENARIO_VERSION} (the only version this simulator reads)`);
  const name = c.string(root.name, 'name', { re: /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, what: 'letters, digits, ".", "_" or "-", at most 64 characters' });
  const description = Object.hasOwn(root, 'description') ? c.string(root.description, 'description') : '';

  const { area, region } = checkArea(c, root);
  const radiusKm = createArea(area).radiusKm;

  const h = c.object(root.hotspots, 'hotspots', ['count', 'clusters', 'clusterRadiusKm', 'clusteredShare', 'minSpacingM'], ['count']);
  const count = c.number(h.count, 'hotspots.count', { min: 0, max: MAX_FLEET_HOTSPOTS, integer: true });
  const hotspots = {
    count,
    clusters: opt(h, 'clusters', (v) => c.number(v, 'hotspots.clusters', { min: 0, max: 1_000, integer: true }), Math.min(6, Math.max(1, Math.round(Math.sqrt(count))))),
    clusterRadiusKm: opt(h, 'clusterRadiusKm', (v) => c.number(v, 'hotspots.clusterRadiusKm', { above: 0, max: MAX_AREA_RADIUS_KM }), radiusKm / 5),
    clusteredShare: opt(h, 'clusteredShare', (v) => c.share(v, 'hotspots.clusteredShare'), SCENARIO_DEFAULTS.clusteredShare),
    minSpacingM: opt(h, 'minSpacingM', (v) => c.number(v, 'hotspots.minSpacingM', { min: 0, max: 10_000 }), 0),
  };

  const a = Object.hasOwn(root, 'antenna') ? c.object(root.antenna, 'antenna', ['gain', 'elevationM']) : {};
  const antenna = {
    // Above the region's max EIRP the registry refuses the assertion (INVALID_GAIN).
    gain: opt(a, 'gain', (v) => c.dist(v, 'antenna.gain', { min: 0, max: regionMaxEirp(region) }), SCENARIO_DEFAULTS.antennaGain),
    elevationM: opt(a, 'elevationM', (v) => c.dist(v, 'antenna.elevationM', { min: -500, max: 10_000 }), SCENARIO_DEFAULTS.elevationM),
  };
  if (!Object.hasOwn(a, 'gain') && regionMaxEirp(region) < 80) c.fail('antenna.gain', `is required in ${region}: the default mix goes up to 8 dBi`);

  const i = Object.hasOwn(root, 'indoor') ? c.object(root.indoor, 'indoor', ['share', 'lossDb']) : {};
  const indoor = {
    share: opt(i, 'share', (v) => c.share(v, 'indoor.share'), SCENARIO_DEFAULTS.indoor.share),
    lossDb: opt(i, 'lossDb', (v) => c.dist(v, 'indoor.lossDb', { min: 0, max: 60 }), SCENARIO_DEFAULTS.indoor.lossDb),
  };

  const beaconIntervalS = opt(root, 'beaconIntervalS', (v) => c.number(v, 'beaconIntervalS', { min: 1, max: 7 * 86_400, integer: true }), SCENARIO_DEFAULTS.beaconIntervalS);
  const durationS = opt(root, 'durationS', (v) => c.number(v, 'durationS', { above: 0, max: 366 * 86_400 }), SCENARIO_DEFAULTS.durationS);
  const speed = opt(root, 'speed', (v) => c.number(v, 'speed', { above: 0, max: MAX_SCENARIO_SPEED }), SCENARIO_DEFAULTS.speed);
  const seed = opt(root, 'seed', (v) => c.number(v, 'seed', { min: 0, max: 0xffff_ffff, integer: true }), SCENARIO_DEFAULTS.seed);

  const radio = checkRadio(c, root);
  const backhaul = checkBackhaul(c, root);
  const behaviours = checkBehaviours(c, root, { beaconIntervalS, region });
  const actors = checkActors(c, root);

  return freezeDeep<Scenario>({
    format: SCENARIO_FORMAT, version: SCENARIO_VERSION, name, description, area, region, hotspots, antenna, indoor,
    beaconIntervalS, durationS, speed, seed, radio, backhaul, behaviours, actors,
  });
}

function opt<T>(o: Json, key: string, check: (v: unknown) => T, fallback: T): T {
  return Object.hasOwn(o, key) ? check(o[key]) : fallback;
}

function checkArea(c: FieldChecker, root: Json): { area: AreaSpec; region: RegionName } {
  const o = c.object(root.area, 'area', ['city', 'geojson']);
  const regionGiven = Object.hasOwn(root, 'region');
  const region = regionGiven ? root.region : undefined;
  if (regionGiven && !isRegionName(region)) c.fail('region', `must be one of ${REGION_NAMES.join(', ')}`);
  if (Object.hasOwn(o, 'city') === Object.hasOwn(o, 'geojson')) c.fail('area', 'must have exactly one of "city" (a preset) or "geojson" (a Polygon or a Feature holding one)');
  if (Object.hasOwn(o, 'city')) {
    const city = c.string(o.city, 'area.city');
    if (!Object.hasOwn(CITIES, city)) c.fail('area.city', `is not a city preset; known: ${CITY_NAMES.join(', ')}`);
    return { area: { kind: 'city', city }, region: (region as RegionName | undefined) ?? CITIES[city]!.region };
  }
  if (!regionGiven) c.fail('region', 'is required when the area is a GeoJSON polygon');
  let geometry = c.object(o.geojson, 'area.geojson', ['type', 'coordinates', 'geometry', 'properties', 'id', 'bbox'], ['type']);
  let at = 'area.geojson';
  if (geometry.type === 'Feature') {
    c.object(geometry, at, ['type', 'geometry', 'properties', 'id', 'bbox'], ['geometry']);
    at = 'area.geojson.geometry';
    geometry = c.object(geometry.geometry, at, ['type', 'coordinates', 'bbox'], ['type', 'coordinates']);
  }
  if (geometry.type !== 'Polygon') c.fail(fieldPath(at, 'type'), 'must be "Polygon" (or a "Feature" whose geometry is one)');
  c.object(geometry, at, ['type', 'coordinates', 'bbox'], ['type', 'coordinates']);
  const ringsAt = fieldPath(at, 'coordinates');
  const rings = c.array(geometry.coordinates, ringsAt, 1).map((ring, r) => {
    const ringAt = fieldPath(ringsAt, r);
    const positions = c.array(ring, ringAt, 4).map((pos, p) => {
      const posAt = fieldPath(ringAt, p);
      const xy = c.array(pos, posAt, 2);
      if (xy.length > 3) c.fail(posAt, 'must be [longitude, latitude] (an optional altitude is ignored)');
      const lng = c.number(xy[0], fieldPath(posAt, 0), { min: -180, max: 180 });
      const lat = c.number(xy[1], fieldPath(posAt, 1), { min: -90, max: 90 });
      return [lng, lat] as [number, number];
    });
    const first = positions[0]!;
    const last = positions[positions.length - 1]!;
    if (first[0] !== last[0] || first[1] !== last[1]) c.fail(ringAt, 'must be a closed ring: its last position must repeat its first');
    return positions;
  });
  const area: AreaSpec = { kind: 'polygon', rings };
  const built = createArea(area);
  if (built.radiusKm > MAX_AREA_RADIUS_KM) c.fail(ringsAt, `reaches ${Math.round(built.radiusKm)} km from its centre; at most ${MAX_AREA_RADIUS_KM} km`);
  if (shoelaceKm2(rings[0]!, built) < 0.01) c.fail(fieldPath(ringsAt, 0), 'encloses no area (under 0.01 km²)');
  return { area, region: region as RegionName };
}

function shoelaceKm2(ring: [number, number][], area: ReturnType<typeof createArea>): number {
  let twice = 0;
  for (let i = 0; i < ring.length - 1; i++) {
    const p = area.toLocal({ lng: ring[i]![0], lat: ring[i]![1] });
    const q = area.toLocal({ lng: ring[i + 1]![0], lat: ring[i + 1]![1] });
    twice += p.x * q.y - q.x * p.y;
  }
  return Math.abs(twice) / 2 / 1e6;
}

function checkRadio(c: FieldChecker, root: Json): Scenario['radio'] {
  const o = Object.hasOwn(root, 'radio') ? c.object(root.radio, 'radio', ['profile', 'correlationDistanceM', 'fieldSigmaDb', 'linkSigmaDb', 'fadingSigmaDb', 'snrNoiseDb']) : {};
  const profileName = opt(o, 'profile', (v) => c.string(v, 'radio.profile'), SCENARIO_DEFAULTS.radio.profile);
  const profile = Object.hasOwn(PATH_LOSS_PROFILES, profileName) ? PATH_LOSS_PROFILES[profileName]! : c.fail('radio.profile', `must be one of ${Object.keys(PATH_LOSS_PROFILES).join(', ')}`);
  const sigma = (key: string, fallback: number) => opt(o, key, (v) => c.number(v, `radio.${key}`, { min: 0, max: 30 }), fallback);
  return {
    profile: profileName,
    correlationDistanceM: opt(o, 'correlationDistanceM', (v) => c.number(v, 'radio.correlationDistanceM', { above: 0, max: 100_000 }), SCENARIO_DEFAULTS.radio.correlationDistanceM),
    fieldSigmaDb: sigma('fieldSigmaDb', round2(profile.sigmaDb * Math.sqrt(SCENARIO_DEFAULTS.fieldVarianceShare))),
    linkSigmaDb: sigma('linkSigmaDb', round2(profile.sigmaDb * Math.sqrt(1 - SCENARIO_DEFAULTS.fieldVarianceShare))),
    fadingSigmaDb: sigma('fadingSigmaDb', SCENARIO_DEFAULTS.radio.fadingSigmaDb),
    snrNoiseDb: sigma('snrNoiseDb', SCENARIO_DEFAULTS.radio.snrNoiseDb),
  };
}

function checkBackhaul(c: FieldChecker, root: Json): Backhaul {
  if (!Object.hasOwn(root, 'backhaul')) return DEFAULT_BACKHAUL;
  const o = c.object(root.backhaul, 'backhaul', BACKHAUL_CLASSES);
  const out = {} as Backhaul;
  for (const name of BACKHAUL_CLASSES) {
    const at = `backhaul.${name}`;
    const d = DEFAULT_BACKHAUL[name];
    if (!Object.hasOwn(o, name)) {
      // A class the scenario leaves out gets no hotspots.
      out[name] = { ...d, share: 0 };
      continue;
    }
    const k = c.object(o[name], at, ['share', 'latencyMs', 'spikeProbability', 'spikeMs'], ['share']);
    out[name] = {
      share: c.share(k.share, `${at}.share`),
      latencyMs: opt(k, 'latencyMs', (v) => c.dist(v, `${at}.latencyMs`, { min: 0, max: 600_000 }), d.latencyMs),
      spikeProbability: opt(k, 'spikeProbability', (v) => c.share(v, `${at}.spikeProbability`), d.spikeProbability),
      spikeMs: opt(k, 'spikeMs', (v) => c.dist(v, `${at}.spikeMs`, { min: 0, max: 600_000 }), d.spikeMs),
    };
  }
  const total = BACKHAUL_CLASSES.reduce((s, n) => s + out[n].share, 0);
  if (Math.abs(total - 1) > 1e-6) c.fail('backhaul', `class shares must sum to 1 (they sum to ${round2(total)})`);
  return out;
}

function checkBehaviours(c: FieldChecker, root: Json, scenario: { beaconIntervalS: number; region: RegionName }): Scenario['behaviours'] {
  const given = Object.hasOwn(root, 'behaviours') ? (c.object(root.behaviours, 'behaviours', [...SCENARIO_BEHAVIOURS, 'honest'])) : {};
  if (Object.hasOwn(given, 'honest')) c.fail('behaviours.honest', 'is not set: honest hotspots take the share the other behaviours leave');
  const out = {} as Scenario['behaviours'];
  let total = 0;
  for (const name of SCENARIO_BEHAVIOURS) {
    const module = BEHAVIOUR_MODULES[name];
    const at = `behaviours.${name}`;
    const o = Object.hasOwn(given, name) ? c.object(given[name], at, ['share', ...Object.keys(module.knobs)], ['share']) : { share: 0 };
    const settings: BehaviourSettings = { share: c.share(o.share, `${at}.share`) };
    for (const [knob, spec] of Object.entries(module.knobs)) {
      settings[knob] = Object.hasOwn(o, knob) ? checkKnob(c, o[knob], `${at}.${knob}`, spec) : spec.default;
    }
    module.check?.(settings, scenario, c, at);
    total += settings.share;
    out[name as keyof Scenario['behaviours']] = settings;
  }
  if (total > 1 + 1e-9) c.fail('behaviours', `shares sum to ${round2(total)}; they must sum to at most 1 (honest hotspots take the rest)`);
  return out;
}

function checkKnob(c: FieldChecker, v: unknown, field: string, spec: KnobSpec): BehaviourSettings[string] {
  if (spec.kind === 'dist') return c.dist(v, field, spec.rule);
  return c.number(v, field, { ...spec.rule, integer: spec.kind === 'int' });
}

function checkActors(c: FieldChecker, root: Json): Scenario['actors'] {
  const o = Object.hasOwn(root, 'actors') ? c.object(root.actors, 'actors', ['mappers', 'devices']) : {};
  const m = Object.hasOwn(o, 'mappers') ? c.object(o.mappers, 'actors.mappers', ['count', 'speedKmh', 'uplinkPeriodS', 'txPowerDbm'], ['count']) : { count: 0 };
  const d = Object.hasOwn(o, 'devices') ? c.object(o.devices, 'actors.devices', ['count', 'uplinkPeriodS', 'payloadBytes', 'txPowerDbm'], ['count']) : { count: 0 };
  const md = SCENARIO_DEFAULTS.mapper;
  const dd = SCENARIO_DEFAULTS.device;
  return {
    mappers: {
      count: c.number(m.count, 'actors.mappers.count', { min: 0, max: 1_000, integer: true }),
      speedKmh: opt(m, 'speedKmh', (v) => c.dist(v, 'actors.mappers.speedKmh', { above: 0, max: 200 }), md.speedKmh),
      uplinkPeriodS: opt(m, 'uplinkPeriodS', (v) => c.number(v, 'actors.mappers.uplinkPeriodS', { min: 1, max: 86_400 }), md.uplinkPeriodS),
      txPowerDbm: opt(m, 'txPowerDbm', (v) => c.number(v, 'actors.mappers.txPowerDbm', { min: -10, max: 36 }), md.txPowerDbm),
    },
    devices: {
      count: c.number(d.count, 'actors.devices.count', { min: 0, max: 100_000, integer: true }),
      uplinkPeriodS: opt(d, 'uplinkPeriodS', (v) => c.dist(v, 'actors.devices.uplinkPeriodS', { min: 1 }), dd.uplinkPeriodS),
      payloadBytes: opt(d, 'payloadBytes', (v) => c.number(v, 'actors.devices.payloadBytes', { min: 13, max: 255, integer: true }), dd.payloadBytes),
      txPowerDbm: opt(d, 'txPowerDbm', (v) => c.number(v, 'actors.devices.txPowerDbm', { min: -10, max: 36 }), dd.txPowerDbm),
    },
  };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
