import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, silentLogger } from '@hexlight/kit';
import { bytesToHex, maxConductedPower } from '@hexlight/protocol';
// Test-only: the real verifier, through its public index, judges what the run produced.
import { cellDistanceM, createPoc, expectedRssiDbm, loadPocConfig, randomEntropySource, type Poc } from '@hexlight/poc';
import { distanceM } from '../src/placement.ts';
import { parseTruth } from '../src/score/truth.ts';
import { runScenario, type ScenarioRun, type ScenarioStats, type SimEvent } from '../src/scenario/run.ts';
import { validateScenario } from '../src/scenario/validate.ts';
import type { BehaviourName } from '../src/behaviours/index.ts';
import { countReports, startNetwork, storedReports, until, type SimNetwork, type StoredReport } from './network.ts';
import { advance, freshEntropy, VirtualTimers } from './virtual-time.ts';

// One scenario with every behaviour, run for one 6-h beacon window on a virtual clock against the
// real ingest (registry API, embedded broker, PGlite), then judged by the real verifier (`hexlight`
// ruleset). Each test reads what the store holds and checks that behaviour's pattern.

const T0 = Date.UTC(2026, 0, 5, 0, 0, 1);
const WINDOW_MS = 6 * 3_600_000;
const REPLAY_DELAY_MS = 10_000;
const QUANTUM_MS = 20;
/** Reasons only a cheat (or a beacon of a cheater) should cause. */
const CHEAT_REASONS = ['bad_rssi', 'too_late', 'suspected_shared_radio', 'tx_power_too_high', 'irregular_interval', 'invalid_frequency', 'max_distance_exceeded', 'entropy_expired'];

const SCENARIO = {
  format: 'hexlight-sim-scenario', version: 1, name: 'test-every-behaviour',
  description: 'two dense clusters around Lisbon and far-apart ring members, every behaviour',
  area: { geojson: { type: 'Polygon', coordinates: [[[-9.35, 38.55], [-8.9, 38.55], [-8.9, 38.95], [-9.35, 38.95], [-9.35, 38.55]]] } },
  region: 'EU868',
  hotspots: { count: 30, clusters: 2, clusterRadiusKm: 0.7, clusteredShare: 0.9 },
  indoor: { share: 0 },
  beaconIntervalS: 21_600,
  durationS: 21_600,
  seed: 5,
  // Honest hotspots must look honest: no backhaul stalls past the verifier's 4-s witness limit.
  backhaul: { fast: { share: 1 } },
  behaviours: {
    offline: { share: 0.034 },
    flaky: { share: 0.067, onlineS: 5_400, offlineS: 1_800 },
    spoofer: { share: 0.1, assertedOffsetKm: 60 },
    ring: { share: 0.1, size: 3, minSpacingKm: 15 },
    rssi_forger: { share: 0.067, rssiBiasDb: 45, txPowerLieDb: 6 },
    late_replayer: { share: 0.067, replayDelayMs: REPLAY_DELAY_MS },
    shared_radio: { share: 0.1, keysPerRadio: 3 },
    beacon_spammer: { share: 0.067, beaconPeriodS: 3_600 },
    dc_farmer: { share: 0.034, packetPeriodS: 3_600 },
  },
  actors: { mappers: { count: 1, uplinkPeriodS: 1_800 }, devices: { count: 1, uplinkPeriodS: 7_200 } },
};

describe('a scenario with every behaviour, on the real ingest and judged by the real verifier', () => {
  const scenario = validateScenario(SCENARIO, 'test');
  const clock = new ManualClock(T0);
  const timers = new VirtualTimers(clock);
  const truthPath = join(tmpdir(), `hexlight-sim-truth-${process.pid}-${Date.now()}.json`);
  const events: SimEvent[] = [];
  let network: SimNetwork;
  let poc: Poc;
  let run: ScenarioRun;
  let stats: ScenarioStats;
  let beacons: StoredReport<'beacon'>[];
  let witnesses: StoredReport<'witness'>[];
  let verdicts: { witness: string; beaconer: string | null; reason: string | null }[];
  let beaconVerdicts: { beaconer: string; reason: string | null }[];
  let stopClockMs: number;
  const behaviour = new Map<string, BehaviourName>();
  const beaconOf = new Map<string, StoredReport<'beacon'>>();

  const who = (address: string) => run.population.hotspots.find((h) => h.key.address === address)!;
  const lagMs = (w: StoredReport<'witness'>) => w.received_at.getTime() - beaconOf.get(bytesToHex(w.decoded.report.data))!.received_at.getTime();
  /** Signal over the verifier's free-space bound (from asserted cells and gains), dB; > 0 breaks it. */
  const overBoundDb = (w: StoredReport<'witness'>) => {
    const b = beaconOf.get(bytesToHex(w.decoded.report.data))!;
    const beaconer = who(b.hotspot);
    const witness = who(w.hotspot);
    const bound = expectedRssiDbm(b.decoded.report.txPower, beaconer.assertedGain, witness.assertedGain, cellDistanceM(beaconer.asserted.cell, witness.asserted.cell), w.decoded.report.frequency);
    return w.decoded.report.signal / 10 - bound;
  };
  const witnessesBy = (b: BehaviourName) => witnesses.filter((w) => behaviour.get(w.hotspot) === b);
  const reasonsOf = (b: BehaviourName) => verdicts.filter((v) => behaviour.get(v.witness) === b).map((v) => v.reason);

  beforeAll(async () => {
    network = await startNetwork({ clock });
    poc = createPoc({ db: network.db, clock, log: silentLogger(), entropySource: randomEntropySource, publish: (t, p, o) => network.ingest.publish(t, p, o) },
      loadPocConfig({ ENTROPY_INTERVAL_S: '86400', POC_VERIFY_INTERVAL_S: '86400' }));
    await poc.start();

    run = runScenario(scenario, { apiUrl: network.apiUrl, mqttUrl: network.mqttUrl, clock, timers, log: silentLogger(), truthPath, onEvent: (e) => events.push(e) });
    for (const h of run.population.hotspots) behaviour.set(h.key.address, h.behaviour);
    await run.start();
    await advance({
      clock, timers, until: T0 + WINDOW_MS - 1, quantumMs: QUANTUM_MS, settle: () => run.settled(),
      beforeStep: freshEntropy({ clock, rotate: () => poc.rotateEntropy(), entropyOf: () => run.stats().entropy, waitUntil: until }),
    });
    // The run ends itself at its duration.
    clock.set(T0 + WINDOW_MS);
    await advance({ clock, timers, until: T0 + WINDOW_MS, settle: () => run.settled() });
    await run.finished;
    stopClockMs = clock.now();
    stats = run.stats();

    beacons = await storedReports(network.db, 'beacon');
    witnesses = await storedReports(network.db, 'witness');
    for (const b of beacons) beaconOf.set(bytesToHex(b.decoded.report.data), b);
    clock.advance(10 * 60_000); // every beacon's entropy has expired: the verifier judges them all
    await poc.verifyNow();
    verdicts = (await network.db.query<{ witness: string; beaconer: string | null; reason: string | null }>(
      'SELECT w.witness, p.beaconer, w.reason FROM witness_verdicts w LEFT JOIN poc_verdicts p ON p.poc_id = w.poc_id',
    )).rows;
    beaconVerdicts = (await network.db.query<{ beaconer: string; reason: string | null }>('SELECT beaconer, reason FROM poc_verdicts')).rows;
  }, 90_000);

  afterAll(async () => {
    await run?.stop();
    await poc?.stop();
    await network?.close();
    await rm(truthPath, { force: true });
  });

  it('stops by itself at the scenario duration; every acknowledged report is stored', async () => {
    expect(stats.elapsedMs).toBe(WINDOW_MS);
    expect(stats.totals.connected).toBe(0);
    expect(stats.totals.publishErrors).toBe(0);
    expect(await countReports(network.db)).toEqual({ beacons: stats.totals.beacons, witnesses: stats.totals.witnesses });
    // Fresh entropy reached every beacon in time.
    expect(beaconVerdicts.filter((v) => v.reason === 'entropy_expired' || v.reason === 'stale')).toEqual([]);
  });

  it('writes the ground truth in the hexlight-sim-truth v1 format, with the real end of the run', async () => {
    const truth = parseTruth(await readFile(truthPath, 'utf8'), truthPath);
    expect(truth).toMatchObject({ format: 'hexlight-sim-truth', version: 1, scenario: 'test-every-behaviour', seed: 5, clock: { startMs: T0, endMs: stopClockMs } });
    expect(truth.hotspots).toHaveLength(30);
    const counts: Record<string, number> = {};
    for (const h of truth.hotspots) counts[h.behaviour] = (counts[h.behaviour] ?? 0) + 1;
    expect(counts).toEqual({ honest: 11, offline: 1, flaky: 2, spoofer: 3, ring: 3, rssi_forger: 2, late_replayer: 2, shared_radio: 3, beacon_spammer: 2, dc_farmer: 1 });
    for (const h of truth.hotspots) {
      expect(h.cheater).toBe(!['honest', 'offline', 'flaky'].includes(h.behaviour));
      const p = who(h.address);
      expect(h.owner).toBe(p.owner.address);
      expect(h.asserted!.cell).toBe(p.asserted.cell);
    }
    const spoofer = truth.hotspots.find((h) => h.behaviour === 'spoofer')!;
    expect(spoofer.knobs).toMatchObject({ assertedOffsetKm: 60 });
    expect(distanceM(spoofer.true, spoofer.asserted!) / 1000).toBeCloseTo(60, 0);
    const radio = truth.hotspots.filter((h) => h.behaviour === 'shared_radio');
    expect(new Set(radio.map((h) => h.knobs.sharedAntennaId)).size).toBe(1);
    expect(new Set(radio.map((h) => h.true.cell)).size).toBe(1);
    expect(new Set(radio.map((h) => h.asserted!.cell)).size).toBe(3);
    expect(truth.hotspots.find((h) => h.behaviour === 'ring')!.knobs).toMatchObject({ cliqueId: 'ring-1', size: 3 });
  });

  it('honest hotspots look honest: within the free-space bound, on time, one beacon per window', () => {
    const honestPairs = witnesses.filter((w) => behaviour.get(w.hotspot) === 'honest' && behaviour.get(beaconOf.get(bytesToHex(w.decoded.report.data))!.hotspot) === 'honest');
    expect(honestPairs.length).toBeGreaterThan(50);
    for (const w of honestPairs) {
      expect(overBoundDb(w)).toBeLessThanOrEqual(0);
      expect(lagMs(w)).toBeLessThan(4_000);
    }
    for (const h of run.population.hotspots.filter((x) => x.behaviour === 'honest')) {
      expect(beacons.filter((b) => b.hotspot === h.key.address)).toHaveLength(1);
    }
    // The verifier agrees: of honest witnesses of honest beacons, none fails a cheat detector
    // (honest witnesses of a cheater's beacon carry that beacon's reason, or the spoofer's distance).
    const honestOnHonest = verdicts.filter((v) => behaviour.get(v.witness) === 'honest' && v.beaconer !== null && behaviour.get(v.beaconer) === 'honest');
    expect(honestOnHonest.length).toBeGreaterThan(20);
    for (const v of honestOnHonest) expect(CHEAT_REASONS).not.toContain(v.reason);
    expect(honestOnHonest.some((v) => v.reason === null)).toBe(true);
  });

  it('spoofers: their links break the free-space bound from the asserted positions (bad_rssi)', () => {
    const involved = witnesses.filter((w) => {
      const b = beaconOf.get(bytesToHex(w.decoded.report.data))!;
      return (behaviour.get(w.hotspot) === 'spoofer') !== (behaviour.get(b.hotspot) === 'spoofer') && ['spoofer', 'honest'].includes(behaviour.get(w.hotspot)!) && ['spoofer', 'honest'].includes(behaviour.get(b.hotspot)!);
    });
    expect(involved.length).toBeGreaterThan(10);
    const breaking = involved.filter((w) => overBoundDb(w) > 0);
    expect(breaking.length / involved.length).toBeGreaterThan(0.5);
    expect(reasonsOf('spoofer')).toContain('bad_rssi');
  });

  it('a ring: members witness fellow members\' beacons they could not hear, late, with made-up RSSI', () => {
    const invented = events.filter((e): e is Extract<SimEvent, { type: 'witness' }> => e.type === 'witness' && !e.physical);
    expect(invented.length).toBeGreaterThan(0);
    for (const e of invented) {
      expect(e.behaviour).toBe('ring');
      expect(behaviour.get(e.beaconer)).toBe('ring');
      // Its radio never received that beacon: no physical witness of it from this key.
      expect(events.some((x) => x.type === 'witness' && x.physical && x.address === e.address && x.data === e.data)).toBe(false);
      // Members stand at least 15 km apart (the clique's spacing).
      expect(distanceM(run.population.radios[who(e.address).radio]!.position, run.population.radios[who(e.beaconer).radio]!.position)).toBeGreaterThan(14_000);
    }
    const relayed = witnesses.filter((w) => invented.some((e) => e.address === w.hotspot && e.data === bytesToHex(w.decoded.report.data)));
    expect(relayed.length).toBe(invented.length);
    const honestLags = witnessesBy('honest').map(lagMs).sort((a, b) => a - b);
    const p95 = honestLags[Math.floor(honestLags.length * 0.95)]!;
    for (const w of relayed) {
      expect(lagMs(w)).toBeGreaterThan(Math.max(1_500, p95));
      expect(overBoundDb(w)).toBeLessThan(0); // made up under the bound: the FSPL check cannot see it
    }
    expect(stats.byBehaviour.ring.fabricated).toBe(invented.length);
  });

  it('shared radio: the keys of one radio publish identical signal, SNR, frequency and tmst for every beacon', () => {
    const keys = run.population.hotspots.filter((h) => h.behaviour === 'shared_radio').map((h) => h.key.address);
    const byBeacon = new Map<string, StoredReport<'witness'>[]>();
    for (const w of witnesses.filter((x) => keys.includes(x.hotspot))) {
      const k = bytesToHex(w.decoded.report.data);
      byBeacon.set(k, [...(byBeacon.get(k) ?? []), w]);
    }
    expect(byBeacon.size).toBeGreaterThan(3);
    for (const group of byBeacon.values()) {
      expect(group).toHaveLength(3);
      const [first, ...rest] = group.map((w) => w.decoded.report);
      for (const r of rest) expect({ s: r.signal, n: r.snr, f: r.frequency, t: r.tmst }).toEqual({ s: first!.signal, n: first!.snr, f: first!.frequency, t: first!.tmst });
      const times = group.map((w) => w.received_at.getTime());
      expect(Math.max(...times) - Math.min(...times)).toBeLessThanOrEqual(QUANTUM_MS);
    }
    expect(reasonsOf('shared_radio')).toContain('suspected_shared_radio');
  });

  it('beacon spammers beacon more than once per window (irregular_interval)', () => {
    for (const h of run.population.hotspots.filter((x) => x.behaviour === 'beacon_spammer')) {
      expect(beacons.filter((b) => b.hotspot === h.key.address).length).toBeGreaterThanOrEqual(5);
    }
    expect(beaconVerdicts.filter((v) => behaviour.get(v.beaconer) === 'beacon_spammer').map((v) => v.reason)).toContain('irregular_interval');
  });

  it('late replayers: every witness lags by replayDelayMs (too_late)', () => {
    const late = witnessesBy('late_replayer');
    expect(late.length).toBeGreaterThan(3);
    for (const w of late) {
      // After the beacon was on the air: the replay delay plus this radio's backhaul latency.
      const sent = events.find((e) => e.type === 'witness' && e.address === w.hotspot && e.data === bytesToHex(w.decoded.report.data)) as Extract<SimEvent, { type: 'witness' }>;
      const sinceSent = w.received_at.getTime() - sent.beaconSentAt;
      expect(sinceSent).toBeGreaterThanOrEqual(REPLAY_DELAY_MS);
      expect(sinceSent).toBeLessThanOrEqual(REPLAY_DELAY_MS + 2_000 + QUANTUM_MS);
      expect(lagMs(w)).toBeGreaterThan(4_000);
    }
    const reasons = reasonsOf('late_replayer').filter((r) => r !== null);
    expect(reasons).toContain('too_late');
    expect(reasons).not.toContain(null);
  });

  it('RSSI forgers: witnesses over the free-space bound, beacons claiming more power than allowed', () => {
    const forged = witnessesBy('rssi_forger');
    expect(forged.length).toBeGreaterThan(5);
    expect(forged.filter((w) => overBoundDb(w) > 0).length / forged.length).toBeGreaterThan(0.5);
    for (const h of run.population.hotspots.filter((x) => x.behaviour === 'rssi_forger')) {
      for (const b of beacons.filter((x) => x.hotspot === h.key.address)) {
        expect(b.decoded.report.txPower).toBe(maxConductedPower('EU868', h.assertedGain) + 6);
      }
    }
    expect(reasonsOf('rssi_forger')).toContain('bad_rssi');
    expect(beaconVerdicts.filter((v) => behaviour.get(v.beaconer) === 'rssi_forger').map((v) => v.reason)).toContain('tx_power_too_high');
  });

  it('data-credit farmers send packets of their own device; the network buys them from the farm organisation\'s DC', async () => {
    expect(stats.byBehaviour.dc_farmer.packets).toBeGreaterThanOrEqual(3);
    const farm = run.orgs().find((o) => o.name.endsWith(' farm'))!;
    expect(farm).toMatchObject({ funded: 'purchase', dc: 1_000_000 });
    const farmers = run.population.hotspots.filter((h) => h.behaviour === 'dc_farmer').map((h) => h.key.address);
    const copies = (await network.db.query<{ hotspot: string; bought: boolean; dc: number; payload_size: number }>(
      'SELECT hotspot, bought, dc, payload_size FROM packet_reports WHERE org_id = $1', [farm.id])).rows;
    // Every packet a farmer published is stored once (the stats count only those acknowledged before the stop).
    expect(copies.length).toBe(events.filter((e) => e.type === 'packet' && e.source === 'own').length);
    // Only the farmers report them (the frames were never on the air), every one bought: 222 bytes = 10 DC.
    expect(copies.every((c) => farmers.includes(c.hotspot) && c.bought && c.payload_size === 222 && c.dc === 10)).toBe(true);
    const balance = (await network.db.query<{ dc_balance: string }>('SELECT dc_balance::text FROM organisations WHERE id = $1', [farm.id])).rows[0]!;
    expect(Number(balance.dc_balance)).toBe(1_000_000 - 10 * copies.length);
    // Their data shares: these copies, plus any sensor or mapper uplink their radios really carried.
    const shares = (await network.db.query<{ shares: string; bought: string }>(
      `SELECT (SELECT coalesce(sum(dc), 0) FROM data_transfer_shares WHERE hotspot = ANY($1))::text AS shares,
              (SELECT coalesce(sum(dc), 0) FROM packet_reports WHERE hotspot = ANY($1) AND bought)::text AS bought`, [farmers])).rows[0]!;
    expect(Number(shares.shares)).toBe(Number(shares.bought));
    expect(Number(shares.shares)).toBeGreaterThanOrEqual(10 * copies.length);
  });

  it('mappers and devices: hotspots that hear their uplinks report packets, routed to their organisations and bought up to multi-buy', async () => {
    expect(stats.actors.uplinks).toBeGreaterThan(5);
    expect(stats.totals.carried).toBeGreaterThan(0);
    expect(events.some((e) => e.type === 'packet' && e.source === 'mapper')).toBe(true);
    const mappers = run.orgs().find((o) => o.name.endsWith(' mappers'))!;
    const groups = (await network.db.query<{ copies: number; bought: number }>('SELECT copies, bought FROM packet_groups WHERE org_id = $1', [mappers.id])).rows;
    expect(groups.length).toBeGreaterThan(0);
    for (const g of groups) expect(g.bought).toBe(Math.min(g.copies, 10)); // mappers buy up to 10 copies
    // Nothing the simulator sent was refused: every device's DevAddr is routed.
    expect(stats.rejectedByReason).toEqual({});
  });

  it('offline hotspots are asserted and never heard from; flaky ones come and go', async () => {
    const off = run.population.hotspots.find((h) => h.behaviour === 'offline')!;
    expect(await network.ingest.registry.get(off.key.address)).toMatchObject({ location: off.asserted.cell, online: false });
    expect([...beacons, ...witnesses].some((r) => r.hotspot === off.key.address)).toBe(false);
    expect(stats.byBehaviour.flaky.disconnects).toBeGreaterThanOrEqual(2);
    expect(stats.byBehaviour.flaky.reconnects).toBeGreaterThanOrEqual(1);
    const flakyKeys = run.population.hotspots.filter((h) => h.behaviour === 'flaky').map((h) => h.key.address);
    const states = await network.db.query<{ online: boolean }>('SELECT online FROM hotspot_state_events WHERE hotspot = ANY($1) ORDER BY at', [flakyKeys]);
    expect(states.rows.filter((r) => !r.online).length).toBeGreaterThanOrEqual(2);
  });
});
