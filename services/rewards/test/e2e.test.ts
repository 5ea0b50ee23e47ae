// End to end: the simulated fleet onboards through the registry API and beacons and witnesses over
// MQTT → ingest stores → the live verifier judges → the rewards service closes the epochs, mints
// and pays → the owners' tokens are on the in-process Solana ledger and readable through the API.
// Time is virtual: one ManualClock for the whole network, and the fleet's timers fire when the
// test moves that clock, so 18 hours of network life take seconds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { Keypair, PublicKey } from '@solana/web3.js';
import { buildHttpApp, ManualClock, silentLogger } from '@hexlight/kit';
import { createTestDb, type TestDb } from '@hexlight/store';
import { createInProcessChain, type InProcessChain } from '@hexlight/chain';
import { createIngest, loadIngestConfig, type Ingest } from '@hexlight/ingest';
import { createPoc, loadPocConfig, randomEntropySource, type Poc } from '@hexlight/poc';
import { buildRoster, cityPreset, createFleet, type Fleet, type Timers } from '@hexlight/hotspot-sim';
import { createRewards, loadRewardsConfig, reconcile, type Rewards } from '../src/index.ts';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 5, 0, 0, 1);
const HOTSPOTS = 8;
const SEED = 4;

/** Timers that fire only when the test moves the shared clock past them. */
class VirtualTimers implements Timers {
  private queue: { at: number; seq: number; fn: () => void }[] = [];
  private seq = 0;
  constructor(private readonly clock: ManualClock) {}
  setTimeout(fn: () => void, ms: number): unknown {
    const t = { at: this.clock.now() + Math.max(0, ms), seq: this.seq++, fn };
    this.queue.push(t);
    return t;
  }
  clearTimeout(handle: unknown): void {
    this.queue = this.queue.filter((t) => t !== handle);
  }
  /** Removes and returns the earliest timer due at or before `t`. */
  takeDue(t: number): { at: number; fn: () => void } | undefined {
    let best = -1;
    for (let i = 0; i < this.queue.length; i++) {
      const q = this.queue[i]!;
      if (q.at <= t && (best < 0 || q.at < this.queue[best]!.at || (q.at === this.queue[best]!.at && q.seq < this.queue[best]!.seq))) best = i;
    }
    return best < 0 ? undefined : this.queue.splice(best, 1)[0];
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('fleet → verdicts → epoch close → tokens in the owners’ accounts', () => {
  const clock = new ManualClock(T0);
  const timers = new VirtualTimers(clock);
  let db: TestDb;
  let ingest: Ingest;
  let poc: Poc;
  let chain: InProcessChain;
  let rewards: Rewards;
  let app: FastifyInstance;
  let fleet: Fleet;
  const mint = Keypair.generate();
  let lastEntropyAt = 0;

  beforeAll(async () => {
    db = await createTestDb();
    ingest = createIngest({ db, clock, log: silentLogger() }, loadIngestConfig({ INGEST_MQTT_PORT: '0', INGEST_MQTT_HOST: '127.0.0.1', INGEST_VERIFY_WORKERS: '0', INGEST_BATCH_DELAY_MS: '1' }, { dbKind: db.kind }));
    await ingest.start();
    poc = createPoc({ db, clock, log: silentLogger(), entropySource: randomEntropySource, publish: (t, p, o) => ingest.publish(t, p, o) },
      loadPocConfig({ ENTROPY_INTERVAL_S: '86400', POC_VERIFY_INTERVAL_S: '86400' }));
    await poc.start();
    lastEntropyAt = clock.now();
    chain = await createInProcessChain();
    // Six-hour epochs, aligned with the beacon windows; a minute of grace.
    rewards = createRewards({ db, clock, log: silentLogger(), chain, keys: { payer: chain.payer, mint } },
      loadRewardsConfig({ REWARDS_EPOCH_S: String(6 * 3600), REWARDS_GRACE_S: '60', REWARDS_EMISSION_START: '2026-01-01T00:00:00Z', ADMIN_TOKEN: 'admin-secret-0123456789abcdef' }));
    app = await buildHttpApp({ title: 'rewards-e2e', logger: false, plugins: [ingest.routes, poc.routes, rewards.routes] });
    const apiUrl = await app.listen({ port: 0, host: '127.0.0.1' });
    fleet = createFleet({ apiUrl, mqttUrl: `mqtt://127.0.0.1:${ingest.status().mqttPort}`, city: 'lisbon', hotspots: HOTSPOTS, beaconIntervalMs: 6 * HOUR, seed: SEED, clock, log: silentLogger() }, { timers });
    await fleet.start();
  }, 60_000);

  afterAll(async () => {
    await fleet?.stop();
    await rewards?.stop();
    await poc?.stop();
    await app?.close();
    await ingest?.stop();
    await chain?.close();
    await db?.close();
  });

  /** Moves virtual time to `t`, firing the fleet's timers in order; fresh entropy before each event. */
  async function runUntil(t: number): Promise<void> {
    for (;;) {
      const due = timers.takeDue(t);
      if (!due) break;
      if (due.at - lastEntropyAt >= 60_000) {
        clock.set(Math.max(clock.now(), due.at - 1_000));
        await poc.rotateEntropy();
        lastEntropyAt = clock.now();
        await sleep(30); // delivered to every hotspot
      }
      clock.set(Math.max(clock.now(), due.at));
      due.fn();
      await sleep(15); // the beacon or witness reaches the broker and the store at this instant
    }
    clock.set(Math.max(clock.now(), t));
  }

  it('pays every rewarded owner exactly what the ledger says, visible on chain and through the API', async () => {
    await runUntil(T0 + 18 * HOUR + 5 * 60_000);
    await sleep(100);
    await poc.verifyNow();
    expect(fleet.stats().beacons).toBeGreaterThanOrEqual(HOTSPOTS * 2);

    let r = await rewards.runOnce();
    expect(r.closed.length).toBeGreaterThanOrEqual(2); // the 06–12 h and 12–18 h epochs (the first has no valid PoC yet)
    for (let i = 0; i < 5 && (r.payouts!.pending > 0 || r.payouts!.signed > 0); i++) r = await rewards.runOnce();
    expect(r.payouts).toMatchObject({ pending: 0, stuck: 0 });

    const roster = buildRoster(cityPreset('lisbon'), HOTSPOTS, SEED);
    const owners = [...new Set(roster.map((e) => e.owner.address))];
    let paidOwners = 0;
    for (const owner of owners) {
      const res = await app.inject({ method: 'GET', url: `/v1/owners/${owner}/rewards` });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.paid).toBe(body.lifetime);
      expect(body.owed).toBe('0');
      const onChain = await chain.tokenBalance(new PublicKey(owner), mint.publicKey);
      expect(onChain.toString()).toBe(body.paid);
      if (body.paid === '0') continue;
      paidOwners++;
      expect(body.rewards.length).toBeGreaterThan(0);
      const sum = body.rewards.reduce((s: bigint, x: { total: string }) => s + BigInt(x.total), 0n);
      expect(sum.toString()).toBe(body.lifetime);
      expect(body.payouts[0]).toMatchObject({ state: 'done', signature: expect.any(String) });
      expect(await chain.signatureStatus(body.payouts[0].signature)).toMatchObject({ state: 'finalized' });
    }
    expect(paidOwners).toBeGreaterThan(0);

    // A hotspot's history has the breakdown; the epoch summary adds up.
    const rewarded = await db.query<{ hotspot: string; epoch: string }>('SELECT hotspot, epoch::text FROM hotspot_rewards ORDER BY total DESC LIMIT 1');
    const h = (await app.inject({ method: 'GET', url: `/v1/hotspots/${rewarded.rows[0]!.hotspot}/rewards` })).json();
    expect(h.rewards[0]).toMatchObject({ beacon: expect.any(String), witness: expect.any(String), data: '0' });
    expect(BigInt(h.rewards[0].beacon) + BigInt(h.rewards[0].witness)).toBe(BigInt(h.rewards[0].total));
    const epoch = (await app.inject({ method: 'GET', url: `/v1/epochs/${rewarded.rows[0]!.epoch}` })).json();
    expect(epoch.mint).toMatchObject({ state: 'done', signature: expect.any(String) });
    expect(BigInt(epoch.allocated) + BigInt(epoch.unallocated.beacon) + BigInt(epoch.unallocated.witness) + BigInt(epoch.unallocated.data)).toBe(
      BigInt(epoch.pools.beacon) + BigInt(epoch.pools.witness) + BigInt(epoch.pools.data),
    );
    const status = (await app.inject({ method: 'GET', url: '/v1/rewards/status' })).json();
    expect(status).toMatchObject({ mint: mint.publicKey.toBase58(), payouts: { pending: 0, stuck: 0, last_error: null } });
    expect(BigInt(status.payer_lamports)).toBeGreaterThan(0n);

    const report = await reconcile(db, chain, { mint: mint.publicKey, escrowOwner: chain.payer.publicKey });
    expect(report.ok).toBe(true);
    expect(report.owners.checked).toBe(paidOwners);
    // The same check over HTTP, for a running network (admin only).
    expect((await app.inject({ method: 'GET', url: '/v1/admin/rewards/reconcile' })).statusCode).toBe(401);
    const viaApi = await app.inject({ method: 'GET', url: '/v1/admin/rewards/reconcile', headers: { authorization: 'Bearer admin-secret-0123456789abcdef' } });
    expect(viaApi.json()).toMatchObject({ ok: true, owners: { checked: paidOwners, differing: [] }, supply: { difference: '0' } });
  }, 120_000);
});
