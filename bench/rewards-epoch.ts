// The epoch half of `npm run bench -- rewards`: one day of a synthetic network (1,000,000
// hotspots, 300,000 owners by default) closed from the store by `closeEpoch` — read the summed
// shares, compute, write reward_epochs, one hotspot_rewards row per rewarded hotspot and the
// owners' balances, in one transaction. The baseline in the same run is `computeEpoch` alone on
// the same rows in memory; the goal is the close under 60 s on this (2-core) machine.
import bs58 from 'bs58';
import cliProgress from 'cli-progress';
import * as h3 from 'h3-js';
import { ManualClock, seededRandom } from '@hexlight/kit';
import { keyBinaryToAddress } from '@hexlight/protocol';
import type { Db } from '@hexlight/store';
import {
  closeEpoch,
  computeEpoch,
  DAY_MS,
  type DataShareRow,
  type EpochRewardConfig,
  type EpochRewards,
  type HotspotReward,
  type PocShareRow,
  recomputeEpoch,
} from '@hexlight/rewards';
import { openBenchStore } from './store.ts';

export interface EpochBenchOptions {
  hotspots: number;
  owners: number;
  /** 'memory' runs the baseline only. */
  store: 'pg' | 'pglite' | 'memory';
  seed?: number;
}

export interface EpochBenchPhase {
  name: string;
  /** Setup and checks are timed for information only; the figures are the measured phases. */
  kind: 'setup' | 'measured' | 'check';
  seconds: number;
  rows: number;
  /** Resident set of this process at the end of the phase (memoryUsage().rss), MiB. */
  rssMiB: number;
  /** Peak resident set of this process so far (resourceUsage().maxRSS), MiB. */
  peakRssMiB: number;
}

export interface EpochBenchResult {
  hotspots: number;
  owners: number;
  store: EpochBenchOptions['store'];
  phases: EpochBenchPhase[];
  /** Wall time of closeEpoch (undefined for the memory store). */
  closeSeconds?: number;
  goalSeconds: number;
  /** Every check held and, with a store, the close beat the goal. */
  ok: boolean;
}

export const EPOCH_GOAL_SECONDS = 60;

const EPOCH = 20_000;
const START = EPOCH * DAY_MS;
const END = START + DAY_MS;
/** Helium-IoT-like economics: ~1.6 B tokens a day at 6 decimals; the data cap does not bind. */
const CONFIG: EpochRewardConfig = {
  epochLengthMs: DAY_MS,
  schedule: { dailyEmission: 1_643_835_616_438_356n, startMs: 19_000 * DAY_MS, halvingIntervalDays: 730 },
  tokenPriceUsd: '0.00043',
  decimals: 6,
};

const ROWS_PER_INSERT = 20_000;

interface Network {
  addresses: string[];
  /** 33 bytes per hotspot (tag ‖ 32 random bytes): `keys.subarray(33 i, 33 i + 33)`. */
  keys: Buffer;
  cells: string[];
  owners: string[];
  /** Index into `owners` per hotspot. */
  ownerOf: Int32Array;
  poc: PocRow[];
  data: DataRow[];
}

/** One poc_reward_shares row: shares = hex_scale × reward_unit exactly, both in 1/10,000. */
interface PocRow extends PocShareRow {
  rewardAtMs: number;
  hexScale: number;
  rewardUnit: number;
}

interface DataRow extends DataShareRow {
  rewardAtMs: number;
}

/**
 * A flat copy of an ASCII string. bs58 builds its output by concatenation, a rope that V8
 * flattens on first hashing; strings read from a database are flat, and the baseline should see
 * the same kind.
 */
function flat(ascii: string): string {
  return Buffer.from(ascii, 'latin1').toString('latin1');
}

/** n / 10^digits as fixed-point text; n is a non-negative safe integer. */
function fixed(n: number, digits: number): string {
  const scale = 10 ** digits;
  return `${Math.floor(n / scale)}.${String(n % scale).padStart(digits, '0')}`;
}

/**
 * A deterministic network: hotspot i < owners belongs to owner i (so every owner has one); each
 * further hotspot goes with probability 0.35 to one of the top 1 % of owners, cubically skewed
 * (the largest fleets hold thousands), else to any owner (most end with 1–3 hotspots).
 * ~92 % of hotspots witness (0–30 reward units × hex scale, a few exactly 0), ~1/3 beacon, ~20 %
 * carry data (log-uniform 1–2,000,000 DC).
 */
function generateNetwork(opts: { hotspots: number; owners: number; seed: number }, bar: cliProgress.SingleBar): Network {
  const rng = seededRandom(opts.seed);
  const u32 = () => Math.floor(rng() * 4_294_967_296);
  const fill = (buf: Uint8Array) => {
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    for (let o = 0; o + 4 <= buf.length; o += 4) view.setUint32(o, u32());
  };
  const n = opts.hotspots;
  const m = opts.owners;
  if (m < 1 || n < m) throw new RangeError('need 1 ≤ owners ≤ hotspots');

  const owners: string[] = [];
  const wallet = new Uint8Array(32);
  for (let i = 0; i < m; i++) {
    fill(wallet);
    owners.push(flat(bs58.encode(wallet)));
  }
  const ownerOf = new Int32Array(n);
  const fleets = Math.max(1, Math.floor(m / 100));
  for (let i = 0; i < n; i++) {
    ownerOf[i] = i < m ? i : rng() < 0.35 ? Math.floor(fleets * rng() ** 3) : Math.floor(m * rng());
  }

  const keys = Buffer.alloc(33 * n);
  const addresses: string[] = [];
  const cells: string[] = [];
  const poc: PocRow[] = [];
  const data: DataRow[] = [];
  const day = () => START + Math.floor(rng() * DAY_MS);
  bar.start(n, 0, { phase: 'generating' });
  for (let i = 0; i < n; i++) {
    const key = keys.subarray(33 * i, 33 * i + 33);
    key[0] = 0x01; // mainnet ed25519 tag; the 32 bytes after it need not be a curve point here
    fill(key.subarray(1));
    const address = flat(keyBinaryToAddress(key));
    addresses.push(address);
    cells.push(h3.latLngToCell(36 + rng() * 24, -10 + rng() * 40, 12));
    // Half the hexes are at full scale; the rest are scaled down by density, 0.0001–0.9999.
    const hexScale = rng() < 0.5 ? 10_000 : 1 + Math.floor(rng() * 9_999);
    const row = (role: 'beacon' | 'witness', unit: number): void => {
      poc.push({ hotspot: address, role, shares: fixed(unit * hexScale, 8), rewardAtMs: day(), hexScale, rewardUnit: unit });
    };
    if (rng() < 0.92) row('witness', rng() < 0.02 ? 0 : Math.floor(300_000 * rng() ** 1.5));
    if (rng() < 1 / 3) row('beacon', Math.floor(40_000 * rng()));
    if (rng() < 0.2) data.push({ hotspot: address, dcBurned: BigInt(Math.floor(Math.exp(rng() * Math.log(2_000_000)))), rewardAtMs: day() });
    if ((i & 0x3fff) === 0) bar.update(i);
  }
  bar.update(n);
  bar.stop();
  return { addresses, keys, cells, owners, ownerOf, poc, data };
}

function chunks(total: number, size: number): [number, number][] {
  const out: [number, number][] = [];
  for (let from = 0; from < total; from += size) out.push([from, Math.min(from + size, total)]);
  return out;
}

/** The registry rows and the epoch's shares, in unnest chunks (setup, not measured). */
async function loadStore(db: Db, net: Network, bar: cliProgress.SingleBar): Promise<number> {
  const n = net.addresses.length;
  const total = n + net.poc.length + net.data.length;
  let done = 0;
  bar.start(total, 0, { phase: 'loading the store' });
  const onboarded = new Date(START - 90 * DAY_MS);
  for (const [from, to] of chunks(n, ROWS_PER_INSERT)) {
    const idx = Array.from({ length: to - from }, (_, k) => from + k);
    await db.query(
      `INSERT INTO hotspots (address, key_binary, owner, capability, location, region, gain, elevation, assert_nonce, onboarded_at, asserted_at, online, last_seen_at)
       SELECT a, k, o, 'full', c, 'EU868', 12, 5, 1, $4, $4, true, $5 FROM unnest($1::text[], $2::bytea[], $3::text[], $6::text[]) AS t(a, k, o, c)`,
      [idx.map((i) => net.addresses[i]!), idx.map((i) => net.keys.subarray(33 * i, 33 * i + 33)), idx.map((i) => net.owners[net.ownerOf[i]!]!),
        onboarded, new Date(END - 60_000), idx.map((i) => net.cells[i]!)],
    );
    bar.update((done += to - from));
  }
  // Report ids only need to be distinct: the row number, big-endian, in an otherwise zero id.
  const ids = Buffer.alloc(32 * ROWS_PER_INSERT);
  for (const [from, to] of chunks(net.poc.length, ROWS_PER_INSERT)) {
    const rows = net.poc.slice(from, to);
    const pocIds = rows.map((_, k) => {
      const id = ids.subarray(32 * k, 32 * k + 32);
      id.writeUInt32BE(from + k, 28);
      return id;
    });
    await db.query(
      `INSERT INTO poc_reward_shares (poc_id, hotspot, role, reward_at, hex_scale, reward_unit, shares)
       SELECT * FROM unnest($1::bytea[], $2::text[], $3::text[], $4::timestamptz[], $5::numeric[], $6::numeric[], $7::numeric[])`,
      [pocIds, rows.map((r) => r.hotspot), rows.map((r) => r.role), rows.map((r) => new Date(r.rewardAtMs)),
        rows.map((r) => fixed(r.hexScale, 4)), rows.map((r) => fixed(r.rewardUnit, 4)), rows.map((r) => r.shares)],
    );
    bar.update((done += to - from));
  }
  for (const [from, to] of chunks(net.data.length, ROWS_PER_INSERT)) {
    const rows = net.data.slice(from, to);
    await db.query(
      `INSERT INTO data_transfer_shares (hotspot, reward_at, dc) SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::int8[])`,
      [rows.map((r) => r.hotspot), rows.map((r) => new Date(r.rewardAtMs)), rows.map((r) => r.dcBurned)],
    );
    bar.update((done += to - from));
  }
  bar.stop();
  await db.query('ANALYZE');
  return total;
}

/** Share of owners holding 1–3 hotspots, and the largest holding. */
function ownerSpread(net: Network): { fewPercent: number; largest: number } {
  const held = new Int32Array(net.owners.length);
  for (const o of net.ownerOf) held[o]!++;
  let few = 0;
  let largest = 0;
  for (const h of held) {
    if (h <= 3) few++;
    largest = Math.max(largest, h);
  }
  return { fewPercent: (100 * few) / held.length, largest };
}

/** Throws with the first few differences: the bench must fail loudly, not print a wrong figure. */
function expectSameHotspots(label: string, a: readonly HotspotReward[], b: readonly HotspotReward[]): void {
  const diffs: string[] = [];
  if (a.length !== b.length) diffs.push(`${a.length} vs ${b.length} hotspots`);
  for (let i = 0; i < Math.min(a.length, b.length) && diffs.length < 5; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.hotspot !== y.hotspot || x.beacon !== y.beacon || x.witness !== y.witness || x.data !== y.data || x.total !== y.total) {
      diffs.push(`#${i} ${x.hotspot} ${x.total} vs ${y.hotspot} ${y.total}`);
    }
  }
  if (diffs.length > 0) throw new Error(`${label}: results differ: ${diffs.join('; ')}`);
}

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`check failed: ${what}`);
}

function printTable(phases: EpochBenchPhase[]): void {
  const rows = phases.map((p) => [
    p.kind === 'measured' ? p.name : `${p.name} (${p.kind})`,
    p.seconds.toFixed(2),
    p.rows.toLocaleString('en-US'),
    p.seconds > 0 ? Math.round(p.rows / p.seconds).toLocaleString('en-US') : '-',
    p.rssMiB.toFixed(0),
    p.peakRssMiB.toFixed(0),
  ]);
  const head = ['phase', 'seconds', 'rows', 'rows/s', 'RSS MiB', 'peak RSS MiB'];
  const width = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => '  ' + r.map((v, c) => (c === 0 ? v.padEnd(width[c]!) : v.padStart(width[c]!))).join('  ');
  console.log('');
  console.log(line(head));
  console.log(line(width.map((w) => '-'.repeat(w))));
  for (const r of rows) console.log(line(r));
}

export async function benchEpoch(opts: EpochBenchOptions): Promise<EpochBenchResult> {
  const seed = opts.seed ?? 20_261_124;
  const phases: EpochBenchPhase[] = [];
  const timed = async <T>(name: string, kind: EpochBenchPhase['kind'], rows: (r: T) => number, fn: () => Promise<T> | T): Promise<T> => {
    const t = performance.now();
    const r = await fn();
    const seconds = (performance.now() - t) / 1000;
    // maxRSS is in KiB.
    phases.push({ name, kind, seconds, rows: rows(r), rssMiB: process.memoryUsage().rss / 2 ** 20, peakRssMiB: process.resourceUsage().maxRSS / 1024 });
    return r;
  };
  const bar = new cliProgress.SingleBar({ format: '  {phase} [{bar}] {value}/{total}', hideCursor: true }, cliProgress.Presets.shades_classic);
  console.log(`bench rewards epoch: ${opts.hotspots.toLocaleString('en-US')} hotspots, ${opts.owners.toLocaleString('en-US')} owners, store ${opts.store}, seed ${seed}`);

  const net = await timed('generate network', 'setup', (x) => x.addresses.length, () => generateNetwork({ hotspots: opts.hotspots, owners: opts.owners, seed }, bar));
  const spread = ownerSpread(net);
  console.log(`  ${net.poc.length.toLocaleString('en-US')} PoC share rows, ${net.data.length.toLocaleString('en-US')} data rows; ` +
    `${spread.fewPercent.toFixed(0)} % of owners hold 1–3 hotspots, the largest ${spread.largest.toLocaleString('en-US')}`);

  // ---- baseline: the epoch math alone, on the same rows in memory ----
  const pure = await timed('computeEpoch (pure, in memory)', 'measured', (r: EpochRewards) => r.hotspots.length, () =>
    computeEpoch({
      epoch: { startMs: START, lengthMs: DAY_MS },
      schedule: CONFIG.schedule,
      pocShares: net.poc,
      dataShares: net.data,
      tokenPriceUsd: CONFIG.tokenPriceUsd,
      decimals: CONFIG.decimals,
    }),
  );
  console.log(`  baseline: computeEpoch rewarded ${pure.hotspots.length.toLocaleString('en-US')} hotspots in ${phases.at(-1)!.seconds.toFixed(2)} s`);
  const pools = pure.rewardPools;
  const allocated = pure.hotspots.reduce((a, h) => a + h.total, 0n);
  check(allocated + pure.unallocated.beacon + pure.unallocated.witness + pure.unallocated.data === pools.beacon + pools.witness + pools.data, 'pure: Σ amounts + unallocated = reward pools');

  let closeSeconds: number | undefined;
  if (opts.store !== 'memory') {
    const { db, cleanup } = await openBenchStore(opts.store, 'rewards');
    try {
      await timed('load the store', 'setup', (x: number) => x, () => loadStore(db, net, bar));
      // The generated rows are in the store now: let them go before the measured close.
      net.poc.length = 0;
      net.data.length = 0;

      const clock = new ManualClock(END + 3_600_000);
      const closed = await timed('closeEpoch (end to end)', 'measured', (r) => r.epoch.hotspots.length, () => closeEpoch(db, { ...CONFIG, epochNumber: EPOCH, clock }));
      closeSeconds = phases.at(-1)!.seconds;
      const e = closed.epoch;
      check(closed.created, 'the close wrote the epoch');
      expectSameHotspots('closeEpoch vs computeEpoch', e.hotspots, pure.hotspots);
      check(e.emission === pure.emission, 'emission as computed');

      const audit = await timed('recomputeEpoch (audit)', 'measured', () => e.hotspots.length, () => recomputeEpoch(db, EPOCH, { schedule: CONFIG.schedule }));
      if (!audit.identical) throw new Error(`recomputeEpoch reports ${audit.differences.length} differences, e.g. ${audit.differences.slice(0, 5).join(', ')}`);

      // Conservation, from the database: every bone of the emission is somewhere.
      const sums = await timed('SQL sums', 'check', () => e.hotspots.length, async () => {
        const r = await db.query<{ total: string; n: bigint; owners: bigint; lifetime: string }>(
          `SELECT (SELECT coalesce(sum(total), 0)::text FROM hotspot_rewards WHERE epoch = $1) AS total,
                  (SELECT count(*) FROM hotspot_rewards WHERE epoch = $1) AS n,
                  (SELECT count(*) FROM owner_balances) AS owners,
                  (SELECT coalesce(sum(lifetime), 0)::text FROM owner_balances) AS lifetime`,
          [EPOCH],
        );
        return r.rows[0]!;
      });
      const stored = BigInt(sums.total);
      const u = e.unallocated;
      const p = e.pools;
      check(stored + u.beacon + u.witness + u.data + p.operations + p.oracles + p.treasury === e.emission,
        `Σ hotspot_rewards.total + unallocated + operations + oracles + treasury = emission (${stored + u.beacon + u.witness + u.data + p.operations + p.oracles + p.treasury} vs ${e.emission})`);
      check(Number(sums.n) === e.hotspots.length, 'one hotspot_rewards row per rewarded hotspot');
      check(BigInt(sums.lifetime) === stored, 'Σ owner_balances.lifetime = Σ hotspot_rewards.total');
      check(Number(sums.owners) === new Set(e.hotspots.map((h) => h.owner)).size, 'one owner_balances row per rewarded owner');
      const ownerOf = new Map(net.addresses.map((a, i) => [a, net.owners[net.ownerOf[i]!]!]));
      check(e.hotspots.every((h) => h.owner === ownerOf.get(h.hotspot)), 'each reward recorded under its hotspot\'s registered owner');
      console.log(`  checks: ${e.hotspots.length.toLocaleString('en-US')} hotspot rewards for ${Number(sums.owners).toLocaleString('en-US')} owners; conservation exact; owners as registered; identical to the baseline and to the audit`);
    } finally {
      await cleanup();
    }
  }

  printTable(phases);
  const met = closeSeconds !== undefined && closeSeconds < EPOCH_GOAL_SECONDS;
  console.log('');
  console.log(
    closeSeconds === undefined
      ? `  goal: closeEpoch < ${EPOCH_GOAL_SECONDS} s — not measured (store memory)`
      : `  goal: closeEpoch (${opts.store}) < ${EPOCH_GOAL_SECONDS} s → ${closeSeconds.toFixed(1)} s: ${met ? 'PASS' : 'FAIL'}` +
          ` (the math alone took ${phases.find((p) => p.name.startsWith('computeEpoch'))!.seconds.toFixed(1)} s of it in the baseline)`,
  );
  return {
    hotspots: opts.hotspots,
    owners: opts.owners,
    store: opts.store,
    phases,
    ...(closeSeconds !== undefined ? { closeSeconds } : {}),
    goalSeconds: EPOCH_GOAL_SECONDS,
    ok: closeSeconds === undefined || met,
  };
}
