import { Keypair } from '@solana/web3.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, silentLogger } from '@hexlight/kit';
import { dcForPayload } from '@hexlight/protocol';
import { createInProcessChain, type InProcessChain } from '@hexlight/chain';
// Test-only: the real verifier and rewards service, through their public indexes.
import { createPoc, loadPocConfig, randomEntropySource, type Poc } from '@hexlight/poc';
import { createRewards, loadRewardsConfig, type Rewards } from '@hexlight/rewards';
import { runScenario, type ScenarioRun } from '../src/scenario/run.ts';
import { validateScenario } from '../src/scenario/validate.ts';
import { startNetwork, until, type SimNetwork } from './network.ts';
import { advance, freshEntropy, VirtualTimers } from './virtual-time.ts';

// The money path of carried data, end to end on a virtual clock: a scenario's sensors send
// uplinks → the hotspots that hear them publish packet reports over MQTT → the ingest routes each
// to the sensors' organisation (signed up, given a DevAddr block and paid for by card on the
// embedded provider through the accounts API), buys one copy per uplink and burns its DC → the
// next epoch close turns the carried DC into data rewards of exactly the carrying hotspots.

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 5, 0, 0, 1);
const DURATION_MS = 2 * HOUR;

const SCENARIO = {
  format: 'hexlight-sim-scenario', version: 1, name: 'test-data-path',
  area: { geojson: { type: 'Polygon', coordinates: [[[-9.16, 38.70], [-9.12, 38.70], [-9.12, 38.73], [-9.16, 38.73], [-9.16, 38.70]]] } },
  region: 'EU868',
  hotspots: { count: 8, clusters: 1, clusterRadiusKm: 0.6, clusteredShare: 1 },
  indoor: { share: 0 },
  beaconIntervalS: 21_600,
  durationS: DURATION_MS / 1000,
  seed: 11,
  backhaul: { fast: { share: 1 } },
  actors: { devices: { count: 5, uplinkPeriodS: { dist: 'uniform', min: 300, max: 600 }, payloadBytes: 51 } },
};

describe('sensors → packets → DC burned → data rewards of the carrying hotspots', () => {
  const scenario = validateScenario(SCENARIO, 'test');
  const clock = new ManualClock(T0);
  const timers = new VirtualTimers(clock);
  let network: SimNetwork;
  let poc: Poc;
  let chain: InProcessChain;
  let rewards: Rewards;
  let run: ScenarioRun;

  beforeAll(async () => {
    network = await startNetwork({ clock });
    poc = createPoc({ db: network.db, clock, log: silentLogger(), entropySource: randomEntropySource, publish: (t, p, o) => network.ingest.publish(t, p, o) },
      loadPocConfig({ ENTROPY_INTERVAL_S: '86400', POC_VERIFY_INTERVAL_S: '86400' }));
    await poc.start();
    chain = await createInProcessChain();
    rewards = createRewards({ db: network.db, clock, log: silentLogger(), chain, keys: { payer: chain.payer, mint: Keypair.generate() } },
      loadRewardsConfig({ REWARDS_EPOCH_S: '3600', REWARDS_GRACE_S: '60', REWARDS_EMISSION_START: '2026-01-01T00:00:00Z', REWARDS_TOKEN_PRICE_USD: '0.5' }));

    run = runScenario(scenario, { apiUrl: network.apiUrl, mqttUrl: network.mqttUrl, clock, timers, log: silentLogger() });
    await run.start();
    await advance({
      clock, timers, until: T0 + DURATION_MS, settle: () => run.settled(),
      beforeStep: freshEntropy({ clock, rotate: () => poc.rotateEntropy(), entropyOf: () => run.stats().entropy, waitUntil: until }),
    });
    await run.finished;
    clock.advance(10 * 60_000); // past the grace, every beacon's entropy expired: the verifier judges them all
    await poc.verifyNow();
  }, 120_000);

  afterAll(async () => {
    await run?.stop();
    await rewards?.stop();
    await poc?.stop();
    await network?.close();
    await chain?.close();
  });

  it('buys one copy of each uplink from the sensors\' organisation and burns its DC, once', async () => {
    const sensors = run.orgs().find((o) => o.name.endsWith(' sensors'))!;
    expect(sensors).toMatchObject({ funded: 'purchase', dc: 1_000_000 });
    expect(sensors.devAddrs).toHaveLength(5);
    const { db } = network;
    const copies = (await db.query<{ payload_hash: Buffer; bought: boolean; dc: number; reason: string | null }>(
      'SELECT payload_hash, bought, dc, reason FROM packet_reports WHERE org_id = $1', [sensors.id])).rows;
    const uplinks = new Set(copies.map((c) => Buffer.from(c.payload_hash).toString('hex')));
    expect(uplinks.size).toBeGreaterThan(15); // 5 sensors, one uplink per 5–10 min, 2 h
    expect(copies.length).toBeGreaterThan(uplinks.size); // several hotspots heard most of them
    const bought = copies.filter((c) => c.bought);
    expect(bought).toHaveLength(uplinks.size); // multi-buy 1: one copy per uplink
    expect(copies.filter((c) => !c.bought).every((c) => c.reason === 'multi_buy')).toBe(true);
    // 51-byte frames (13 bytes of header and MIC + 38 of payload) cost ceil(51 / 24) = 3 DC each.
    expect(bought.every((c) => c.dc === dcForPayload(51) && c.dc === 3)).toBe(true);
    const burned = 3 * bought.length;
    const ledger = (await db.query<{ burns: string; balance: string }>(
      `SELECT (SELECT -sum(amount) FROM dc_ledger WHERE org_id = $1 AND kind = 'burn')::text AS burns,
              (SELECT dc_balance FROM organisations WHERE id = $1)::text AS balance`, [sensors.id])).rows[0]!;
    expect(Number(ledger.burns)).toBe(burned);
    expect(Number(ledger.balance)).toBe(1_000_000 - burned);
  });

  it('the next epoch close pays exactly the carrying hotspots data rewards, in proportion to the DC they carried', async () => {
    clock.set(T0 - 1 + DURATION_MS + 15 * 60_000);
    const result = await rewards.runOnce();
    expect(result.closed.length).toBeGreaterThanOrEqual(2); // 00–01 h and 01–02 h
    const { db } = network;
    const carried = (await db.query<{ hotspot: string; epoch: string; dc: string }>(
      `SELECT hotspot, floor(extract(epoch FROM reward_at) / 3600)::bigint::text AS epoch, sum(dc)::text AS dc
         FROM data_transfer_shares GROUP BY 1, 2`)).rows;
    expect(carried.length).toBeGreaterThan(1);
    const paid = (await db.query<{ hotspot: string; epoch: string; data: string }>(
      'SELECT hotspot, epoch::text, data::text FROM hotspot_rewards WHERE data > 0')).rows;
    const key = (h: string, e: string) => `${h}@${e}`;
    expect(new Set(paid.map((p) => key(p.hotspot, p.epoch)))).toEqual(new Set(carried.map((c) => key(c.hotspot, c.epoch))));
    // Within an epoch, data rewards follow the DC carried (floor division: off by at most one base unit).
    for (const epoch of new Set(carried.map((c) => c.epoch))) {
      const inEpoch = carried.filter((c) => c.epoch === epoch);
      const totalDc = inEpoch.reduce((s, c) => s + BigInt(c.dc), 0n);
      const pool = (await db.query<{ data_pool: string }>('SELECT data_pool::text FROM reward_epochs WHERE epoch = $1', [epoch])).rows[0]!;
      expect(BigInt(pool.data_pool)).toBeGreaterThan(0n);
      for (const c of inEpoch) {
        const got = BigInt(paid.find((p) => p.hotspot === c.hotspot && p.epoch === epoch)!.data);
        const expected = (BigInt(pool.data_pool) * BigInt(c.dc)) / totalDc;
        expect(got === expected || got === expected - 1n || got === expected + 1n).toBe(true);
      }
    }
  });
});
