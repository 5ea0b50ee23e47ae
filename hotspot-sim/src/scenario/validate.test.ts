import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HexlightError } from '@hexlight/kit';
import { SCENARIO_BEHAVIOURS } from '../behaviours/index.ts';
import { builtinScenarios, loadScenario } from './load.ts';
import { validateScenario } from './validate.ts';

// One test per kind of mistake: each must be SIM_SCENARIO_INVALID naming the field and the problem.

const base = () => ({ format: 'hexlight-sim-scenario', version: 1, name: 't', area: { city: 'lisbon' }, hotspots: { count: 10 } }) as Record<string, unknown>;
const square = (lng: number, lat: number, d = 0.1) => [[lng, lat], [lng + d, lat], [lng + d, lat + d], [lng, lat + d], [lng, lat]];

/** The error's details when `doc` is refused; fails the test if it is accepted. */
function refusal(doc: unknown): { field: string; problem: string; message: string } {
  try {
    validateScenario(doc, 'test.json');
  } catch (err) {
    expect(err).toBeInstanceOf(HexlightError);
    const e = err as HexlightError;
    expect(e.code).toBe('SIM_SCENARIO_INVALID');
    const { field, problem } = e.details as { field: string; problem: string };
    expect(e.message).toBe(`test.json: ${field || '(document)'}: ${problem}`);
    return { field, problem, message: e.message };
  }
  throw new Error('accepted an invalid scenario');
}

const withBehaviours = (behaviours: unknown) => ({ ...base(), behaviours });

describe('validateScenario: every mistake names its field', () => {
  it('fills every default from a minimal document and freezes the result', () => {
    const s = validateScenario(base());
    expect(s).toMatchObject({
      name: 't', description: '', region: 'EU868', area: { kind: 'city', city: 'lisbon' },
      hotspots: { count: 10, clusters: 3, clusterRadiusKm: 1.2, clusteredShare: 0.8 },
      beaconIntervalS: 21_600, durationS: 86_400, speed: 1, seed: 1,
      radio: { profile: 'urban', correlationDistanceM: 110, fieldSigmaDb: 3.46, linkSigmaDb: 2, fadingSigmaDb: 1.5, snrNoiseDb: 1 },
      indoor: { share: 0.15 },
    });
    for (const b of SCENARIO_BEHAVIOURS) expect(s.behaviours[b as keyof typeof s.behaviours].share).toBe(0);
    expect(s.behaviours.ring).toMatchObject({ size: 4, minSpacingKm: 2 });
    expect(Object.isFrozen(s.behaviours.ring)).toBe(true);
  });

  it('refuses a document that is not a scenario v1', () => {
    expect(refusal([])).toMatchObject({ field: '', problem: 'must be an object' });
    expect(refusal({ ...base(), format: 'geojson' })).toMatchObject({ field: 'format', problem: 'must be "hexlight-sim-scenario"' });
    expect(refusal({ ...base(), version: 2 }).field).toBe('version');
  });

  it('refuses unknown fields, at every level', () => {
    expect(refusal({ ...base(), behavior: {} })).toMatchObject({ field: 'behavior', problem: expect.stringContaining('unknown field') });
    expect(refusal({ ...base(), hotspots: { count: 3, cluster: 2 } }).field).toBe('hotspots.cluster');
    expect(refusal(withBehaviours({ teleporter: { share: 0.1 } })).field).toBe('behaviours.teleporter');
    expect(refusal(withBehaviours({ ring: { share: 0.1, sizee: 3 } })).field).toBe('behaviours.ring.sizee');
    expect(refusal({ ...base(), indoor: { share: 0.1, lossDb: { dist: 'uniform', min: 1, max: 2, mean: 3 } } }).field).toBe('indoor.lossDb.mean');
  });

  it('refuses a missing required field', () => {
    const { name: _, ...noName } = base();
    expect(refusal(noName)).toMatchObject({ field: 'name', problem: 'is required' });
    expect(refusal({ ...base(), hotspots: {} })).toMatchObject({ field: 'hotspots.count', problem: 'is required' });
    expect(refusal(withBehaviours({ spoofer: { assertedOffsetKm: 5 } }))).toMatchObject({ field: 'behaviours.spoofer.share', problem: 'is required' });
  });

  it('refuses a share outside 0…1', () => {
    expect(refusal(withBehaviours({ spoofer: { share: 1.5 } }))).toMatchObject({ field: 'behaviours.spoofer.share', problem: 'must be between 0 and 1' });
    expect(refusal({ ...base(), indoor: { share: -0.1 } })).toMatchObject({ field: 'indoor.share', problem: 'must be between 0 and 1' });
  });

  it('refuses behaviour shares summing over 1 (honest takes the rest) and a share for honest', () => {
    expect(refusal(withBehaviours({ spoofer: { share: 0.6 }, ring: { share: 0.5 } }))).toMatchObject({ field: 'behaviours', problem: expect.stringContaining('sum to 1.1') });
    expect(refusal(withBehaviours({ honest: { share: 0.5 } }))).toMatchObject({ field: 'behaviours.honest', problem: expect.stringContaining('take the share') });
  });

  it('refuses a knob out of its range or of the wrong kind', () => {
    expect(refusal(withBehaviours({ shared_radio: { share: 0.1, keysPerRadio: 5 } }))).toMatchObject({ field: 'behaviours.shared_radio.keysPerRadio', problem: 'must be between 2 and 4, got 5' });
    expect(refusal(withBehaviours({ ring: { share: 0.1, size: 2.5 } }))).toMatchObject({ field: 'behaviours.ring.size', problem: 'must be an integer' });
    expect(refusal(withBehaviours({ spoofer: { share: 0.1, assertedOffsetKm: 'far' } }))).toMatchObject({ field: 'behaviours.spoofer.assertedOffsetKm', problem: expect.stringContaining('must be an object') });
    expect(refusal(withBehaviours({ spoofer: { share: 0.1, assertedOffsetKm: 0 } }))).toMatchObject({ field: 'behaviours.spoofer.assertedOffsetKm', problem: expect.stringContaining('above 0') });
  });

  it('refuses a knob that contradicts the scenario (a spammer period no shorter than the window)', () => {
    expect(refusal({ ...withBehaviours({ beacon_spammer: { share: 0.1, beaconPeriodS: 7_200 } }), beaconIntervalS: 3_600 }))
      .toMatchObject({ field: 'behaviours.beacon_spammer.beaconPeriodS', problem: 'must be shorter than beaconIntervalS (3600 s)' });
  });

  it('refuses a malformed distribution', () => {
    const knob = (v: unknown) => withBehaviours({ late_replayer: { share: 0.1, replayDelayMs: v } });
    expect(refusal(knob({ dist: 'poisson', mean: 3 }))).toMatchObject({ field: 'behaviours.late_replayer.replayDelayMs.dist', problem: expect.stringContaining('must be one of uniform') });
    expect(refusal(knob({ dist: 'uniform', min: 5_000, max: 1_000 }))).toMatchObject({ field: 'behaviours.late_replayer.replayDelayMs.max', problem: 'must be at least min (5000)' });
    // An open tail could exceed the knob's limit: it needs a clamp.
    expect(refusal(knob({ dist: 'exponential', mean: 5_000 }))).toMatchObject({ field: 'behaviours.late_replayer.replayDelayMs', problem: expect.stringContaining('(set "max")') });
    expect(refusal({ ...base(), antenna: { gain: { dist: 'choice', values: [{ value: 12, share: 0.5 }, { value: 23, share: 0.4 }] } } }))
      .toMatchObject({ field: 'antenna.gain.values', problem: 'shares must sum to 1 (they sum to 0.9)' });
  });

  it('refuses an area that is neither one city preset nor one GeoJSON polygon', () => {
    expect(refusal({ ...base(), area: { city: 'atlantis' } })).toMatchObject({ field: 'area.city', problem: expect.stringContaining('known: lisbon') });
    expect(refusal({ ...base(), area: {} })).toMatchObject({ field: 'area', problem: expect.stringContaining('exactly one of') });
    expect(refusal({ ...base(), region: 'EU868', area: { city: 'lisbon', geojson: { type: 'Polygon', coordinates: [square(-9, 38)] } } }).field).toBe('area');
    expect(refusal({ ...base(), region: 'EU868', area: { geojson: { type: 'Point', coordinates: [-9, 38] } } })).toMatchObject({ field: 'area.geojson.type' });
    expect(refusal({ ...base(), region: 'EU868', area: { geojson: { type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: [] } } } }))
      .toMatchObject({ field: 'area.geojson.geometry.type', problem: expect.stringContaining('Polygon') });
  });

  it('refuses a polygon ring that is not closed, too short, off the globe, empty or huge', () => {
    const area = (coordinates: unknown) => ({ ...base(), region: 'EU868', area: { geojson: { type: 'Polygon', coordinates } } });
    const open = square(-9, 38).slice(0, 4).concat([[-9.05, 38.02]]);
    expect(refusal(area([open]))).toMatchObject({ field: 'area.geojson.coordinates[0]', problem: 'must be a closed ring: its last position must repeat its first' });
    expect(refusal(area([[[-9, 38], [-8.9, 38], [-9, 38]]]))).toMatchObject({ field: 'area.geojson.coordinates[0]', problem: 'must have at least 4 elements' });
    const offGlobe = square(-9, 38);
    offGlobe[1] = [-8.9, 95];
    expect(refusal(area([offGlobe]))).toMatchObject({ field: 'area.geojson.coordinates[0][1][1]', problem: 'must be between -90 and 90, got 95' });
    expect(refusal(area([[[-9, 38], [-8.9, 38], [-8.8, 38], [-9, 38]]]))).toMatchObject({ field: 'area.geojson.coordinates[0]', problem: expect.stringContaining('encloses no area') });
    expect(refusal(area([square(-9, 38, 12)]))).toMatchObject({ field: 'area.geojson.coordinates', problem: expect.stringContaining('at most 500 km') });
  });

  it('needs a region for a polygon, and a known one', () => {
    expect(refusal({ ...base(), area: { geojson: { type: 'Polygon', coordinates: [square(-9, 38)] } } })).toMatchObject({ field: 'region', problem: 'is required when the area is a GeoJSON polygon' });
    expect(refusal({ ...base(), region: 'EU433' })).toMatchObject({ field: 'region', problem: expect.stringContaining('US915, EU868, AU915, AS923_1') });
  });

  it('refuses numbers out of range: counts, durations, gains above the region\'s EIRP, backhaul shares', () => {
    expect(refusal({ ...base(), hotspots: { count: -1 } })).toMatchObject({ field: 'hotspots.count', problem: 'must be between 0 and 10000, got -1' });
    expect(refusal({ ...base(), durationS: 0 })).toMatchObject({ field: 'durationS', problem: 'must be above 0 and at most 31622400, got 0' });
    expect(refusal({ ...base(), antenna: { gain: 200 } })).toMatchObject({ field: 'antenna.gain', problem: 'must be between 0 and 161, got 200' });
    expect(refusal({ ...base(), backhaul: { fast: { share: 0.5 }, slow: { share: 0.4 } } })).toMatchObject({ field: 'backhaul', problem: 'class shares must sum to 1 (they sum to 0.9)' });
    expect(refusal({ ...base(), radio: { profile: 'moon' } })).toMatchObject({ field: 'radio.profile', problem: expect.stringContaining('urban, lorasim, suburban, fspl') });
    expect(refusal({ ...base(), name: 'has spaces' }).field).toBe('name');
    expect(refusal({ ...base(), actors: { devices: { count: 2, payloadBytes: 5 } } }).field).toBe('actors.devices.payloadBytes');
  });
});

describe('loadScenario', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('loads every built-in scenario by name', async () => {
    expect(builtinScenarios()).toEqual(['city-dense', 'city-mixed', 'rural']);
    for (const name of builtinScenarios()) expect((await loadScenario(name)).name).toBe(name);
  });

  it('loads a file by path; refuses unknown names, missing files and files that are not JSON', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hexlight-scenario-'));
    dirs.push(dir);
    const good = join(dir, 'mine.json');
    await writeFile(good, JSON.stringify({ ...base(), name: 'mine' }));
    expect((await loadScenario(good)).name).toBe('mine');
    await expect(loadScenario('city-messy')).rejects.toMatchObject({ code: 'SIM_SCENARIO_NOT_FOUND', details: { scenario: 'city-messy', known: builtinScenarios() } });
    await expect(loadScenario(join(dir, 'nope.json'))).rejects.toMatchObject({ code: 'SIM_SCENARIO_NOT_FOUND' });
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '{ "format": ');
    await expect(loadScenario(bad)).rejects.toMatchObject({ code: 'SIM_SCENARIO_INVALID', details: { source: bad, field: '' } });
    const wrong = join(dir, 'wrong.json');
    await writeFile(wrong, JSON.stringify(withBehaviours({ spoofer: { share: 2 } })));
    await expect(loadScenario(wrong)).rejects.toMatchObject({ code: 'SIM_SCENARIO_INVALID', message: `${wrong}: behaviours.spoofer.share: must be between 0 and 1` });
  });
});
