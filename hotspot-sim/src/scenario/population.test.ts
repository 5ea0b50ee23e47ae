import { describe, expect, it } from 'vitest';
import { regionMaxEirp } from '@hexlight/protocol';
import { distanceM } from '../placement.ts';
import { buildTruth } from './truth.ts';
import { gpsUplink, readGpsUplink } from './actors.ts';
import { createArea } from './area.ts';
import { loadScenario } from './load.ts';
import { behaviourCounts, buildPopulation } from './population.ts';
import { validateScenario } from './validate.ts';
import { parseTruth } from '../score/truth.ts';

describe('scenario populations', () => {
  it('city-mixed: 150–250 hotspots, 20–30 % cheaters of every kind, offline and flaky ones too', async () => {
    const s = await loadScenario('city-mixed');
    const p = buildPopulation(s);
    expect(p.hotspots.length).toBeGreaterThanOrEqual(150);
    expect(p.hotspots.length).toBeLessThanOrEqual(250);
    const cheaters = p.hotspots.filter((h) => h.cheater).length / p.hotspots.length;
    expect(cheaters).toBeGreaterThanOrEqual(0.2);
    expect(cheaters).toBeLessThanOrEqual(0.3);
    for (const count of Object.values(p.counts)) expect(count).toBeGreaterThan(0);
    expect(s).toMatchObject({ beaconIntervalS: 21_600, durationS: 86_400 });
  });

  it('the honest built-ins are honest; rural stays inside its polygon', async () => {
    for (const name of ['city-dense', 'rural']) {
      const p = buildPopulation(await loadScenario(name));
      expect(p.hotspots.every((h) => h.behaviour === 'honest' && !h.cheater)).toBe(true);
      for (const r of p.radios) expect(p.area.contains(r.position.lat, r.position.lng)).toBe(true);
    }
  });

  it('minSpacingM keeps radios apart; without it a clustered city has close neighbours', () => {
    const doc = (minSpacingM?: number) => validateScenario({
      format: 'hexlight-sim-scenario', version: 1, name: 'spacing', seed: 3, area: { city: 'lisbon' },
      hotspots: { count: 150, clusters: 4, clusterRadiusKm: 1, ...(minSpacingM !== undefined ? { minSpacingM } : {}) },
    });
    const nearest = (minSpacingM?: number) => {
      const radios = buildPopulation(doc(minSpacingM)).radios.map((r) => r.position);
      return Math.min(...radios.map((p, i) => Math.min(...radios.filter((_, j) => j !== i).map((o) => distanceM(p, o)))));
    };
    expect(nearest()).toBeLessThan(100);
    expect(nearest(450)).toBeGreaterThanOrEqual(450);
  });

  it('is the same population for the same scenario, and other keys for another name or seed', async () => {
    const s = await loadScenario('city-mixed');
    const a = buildPopulation(s);
    const b = buildPopulation(s);
    expect(b.hotspots.map((h) => [h.key.address, h.behaviour, h.asserted.cell, h.knobs])).toEqual(a.hotspots.map((h) => [h.key.address, h.behaviour, h.asserted.cell, h.knobs]));
    const doc = (name: string, seed: number) => validateScenario({ format: 'hexlight-sim-scenario', version: 1, name, seed, area: { city: 'lisbon' }, hotspots: { count: 3 } });
    const first = buildPopulation(doc('one', 1)).hotspots[0]!.key.address;
    expect(buildPopulation(doc('one', 1)).hotspots[0]!.key.address).toBe(first);
    expect(buildPopulation(doc('two', 1)).hotspots[0]!.key.address).not.toBe(first);
    expect(buildPopulation(doc('one', 2)).hotspots[0]!.key.address).not.toBe(first);
  });

  it('honest hotspots assert where they are; spoofers assertedOffsetKm away; forgers a bigger antenna', async () => {
    const p = buildPopulation(await loadScenario('city-mixed'));
    for (const h of p.hotspots) {
      const radio = p.radios[h.radio]!;
      if (h.behaviour === 'honest') {
        expect(h.asserted).toEqual(radio.position);
        expect(h.assertedGain).toBe(radio.gain);
      }
      if (h.behaviour === 'spoofer') {
        expect(distanceM(h.asserted, radio.position) / 1000).toBeCloseTo(h.knobs.assertedOffsetKm as number, 0);
        expect(h.knobs.assertedOffsetKm).toBeGreaterThanOrEqual(30);
      }
      if (h.behaviour === 'rssi_forger') {
        expect(h.assertedGain).toBe(Math.min(radio.gain + (h.knobs.gainLieDbi as number) * 10, regionMaxEirp('EU868')));
        expect(h.knobs.rssiBiasDb).toBeGreaterThanOrEqual(25);
      }
    }
  });

  it('shared radios: 2–4 keys behind one radio, asserted apart; rings: cliques spaced apart', async () => {
    const s = await loadScenario('city-mixed');
    const p = buildPopulation(s);
    const radios = new Map<string, number[]>();
    for (const h of p.hotspots.filter((x) => x.behaviour === 'shared_radio')) radios.set(h.knobs.sharedAntennaId as string, [...(radios.get(h.knobs.sharedAntennaId as string) ?? []), h.radio]);
    expect(radios.size).toBe(3);
    for (const ids of radios.values()) {
      expect(ids.length).toBeGreaterThanOrEqual(2);
      expect(ids.length).toBeLessThanOrEqual(4);
      expect(new Set(ids).size).toBe(1);
      expect(p.radios[ids[0]!]!.hotspots).toHaveLength(ids.length);
    }
    const cliques = new Map<string, number[]>();
    for (const h of p.hotspots.filter((x) => x.behaviour === 'ring')) cliques.set(h.knobs.cliqueId as string, [...(cliques.get(h.knobs.cliqueId as string) ?? []), h.radio]);
    expect([...cliques.values()].map((c) => c.length)).toEqual([4, 4]);
    for (const members of cliques.values()) {
      for (let i = 0; i < members.length; i++) {
        for (let j = i + 1; j < members.length; j++) expect(distanceM(p.radios[members[i]!]!.position, p.radios[members[j]!]!.position)).toBeGreaterThanOrEqual(3_000);
      }
    }
  });

  it('rounds shares to whole hotspots and whole groups', () => {
    const s = validateScenario({
      format: 'hexlight-sim-scenario', version: 1, name: 'r', area: { city: 'lisbon' }, hotspots: { count: 20 },
      behaviours: { spoofer: { share: 0.12 }, ring: { share: 0.05, size: 4 }, shared_radio: { share: 0.25, keysPerRadio: 2 } },
    });
    const counts = Object.fromEntries(behaviourCounts(s).map((c) => [c.behaviour, c]));
    expect(counts.spoofer).toMatchObject({ count: 2 });
    expect(counts.ring).toMatchObject({ count: 2, groups: [2] }); // one hotspot is not a ring: it gets one pair
    expect(counts.shared_radio).toMatchObject({ count: 5, groups: [3, 2] });
    expect(counts.honest!.count).toBe(11);
    const p = buildPopulation(s);
    expect(p.radios).toHaveLength(20 - 3);
  });

  it('writes a truth the scorer reads back', async () => {
    const s = await loadScenario('city-mixed');
    const p = buildPopulation(s);
    const truth = parseTruth(JSON.stringify(buildTruth(s, p, { startMs: 1_000, endMs: 2_000, speed: 288 })));
    expect(truth.hotspots).toHaveLength(200);
    expect(truth).toMatchObject({ scenario: 'city-mixed', seed: 7, speed: 288, clock: { startMs: 1_000, endMs: 2_000 } });
  });

  it('mappers\' uplinks carry their position (Cayenne LPP GPS)', () => {
    const phy = gpsUplink(0x2601_1234, 7, { lat: 38.7223, lng: -9.1393 });
    expect(readGpsUplink(phy)).toEqual({ lat: 38.7223, lng: -9.1393 });
    expect(phy[0]).toBe(0x40);
    const area = createArea({ kind: 'city', city: 'lisbon' });
    expect(area.contains(38.7223, -9.1393)).toBe(true);
    expect(area.contains(40.4168, -3.7038)).toBe(false); // Madrid
  });
});
