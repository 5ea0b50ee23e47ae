// Shared set-up of the payout tests: a closed epoch with real owners' wallets on a migrated test
// store, the in-process ledger, and a loop that drives the engine until every job is booked.
import { Keypair, PublicKey } from '@solana/web3.js';
import { createInProcessChain, type InProcessChain } from '@hexlight/chain';
import { ManualClock, seededRandom, silentLogger } from '@hexlight/kit';
import { createTestDb, type TestDb } from '@hexlight/store';
import { closeEpoch, createPayoutEngine, DAY_MS, reconcile, type CrashPoint, type EpochRewardConfig, type PayoutConfig, type PayoutEngine } from '../src/index.ts';
import { addHotspot, addShare } from './fixtures.ts';

export const EPOCH = 20_000;
export const START = EPOCH * DAY_MS;
/** 10,000 tokens a day at 8 decimals: SPL amounts are u64, so payouts use a realistic emission. */
export const PAY_CONFIG: EpochRewardConfig = {
  epochLengthMs: DAY_MS,
  schedule: { dailyEmission: 1_000_000_000_000n, startMs: 19_000 * DAY_MS },
  tokenPriceUsd: '2.5',
  decimals: 8,
};

export interface PayoutWorld {
  db: TestDb;
  chain: InProcessChain;
  clock: ManualClock;
  payer: Keypair;
  mint: Keypair;
  owners: string[];
  engine(opts?: { crashHook?: (point: CrashPoint, job: string) => void; config?: Partial<PayoutConfig> }): PayoutEngine;
  close(): Promise<void>;
}

/** `hotspots` hotspots spread over `owners` wallets, `epochs` closed epochs of random shares. */
export async function payoutWorld(opts: { owners: number; hotspots: number; epochs?: number; seed?: number; config?: Partial<PayoutConfig> }): Promise<PayoutWorld> {
  const rand = seededRandom(opts.seed ?? 7);
  const db = await createTestDb();
  const chain = await createInProcessChain();
  const clock = new ManualClock(START + 2 * DAY_MS);
  const owners = Array.from({ length: opts.owners }, () => Keypair.generate().publicKey.toBase58());
  for (let h = 0; h < opts.hotspots; h++) await addHotspot(db, `hotspot-${h}`, owners[h % owners.length]!);
  for (let e = 0; e < (opts.epochs ?? 1); e++) {
    const at = START + e * DAY_MS + 1000;
    for (let h = 0; h < opts.hotspots; h++) {
      if (rand() < 0.4) await addShare(db, `b-${e}-${h}`, `hotspot-${h}`, 'beacon', at, '1');
      await addShare(db, `w-${e}-${h}`, `hotspot-${h}`, 'witness', at, (1 + Math.floor(rand() * 900) / 100).toFixed(2));
    }
    clock.set(START + (e + 1) * DAY_MS + 1);
    await closeEpoch(db, { ...PAY_CONFIG, epochNumber: EPOCH + e, clock });
  }
  const payer = chain.payer;
  const mint = Keypair.generate();
  const world: PayoutWorld = {
    db, chain, clock, payer, mint, owners,
    engine: (o = {}) => createPayoutEngine(
      { db, chain, clock, log: silentLogger(), keys: { payer, mint }, ...(o.crashHook ? { crashHook: o.crashHook } : {}) },
      { decimals: PAY_CONFIG.decimals, maxBackoffMs: 1_000, resendIntervalMs: 0, ...opts.config, ...o.config },
    ),
    async close() {
      await chain.close();
      await db.close();
    },
  };
  await world.engine().ensureMint();
  return world;
}

/**
 * Runs passes until no job is open. A pass that changes nothing means the chain has to move:
 * blocks advance past every live blockhash (so unknown attempts expire or held ones land) and the
 * clock passes any back-off.
 */
export async function drain(world: PayoutWorld, engine: PayoutEngine, maxPasses = 60): Promise<number> {
  for (let i = 0; i < maxPasses; i++) {
    const r = await engine.pass();
    if (r.pending === 0 && r.stuck === 0 && r.signed === 0) {
      // Nothing open: one more pass to see whether a new run starts (it does after the mints).
      const again = await engine.pass();
      if (again.pending === 0 && again.signed === 0) return i + 2;
      continue;
    }
    if (r.stuck > 0) throw new Error(`payout jobs stuck: ${JSON.stringify(await engine.status())}`);
    if (r.booked === 0 && r.signed === 0) {
      await world.chain.expireBlockhash();
      world.clock.advance(60_000);
    }
  }
  throw new Error(`payouts did not finish in ${maxPasses} passes: ${JSON.stringify(await engine.status())}`);
}

export interface Audit {
  /** Per owner: chain balance − ledger paid, only where not zero. */
  mismatches: { owner: string; chain: bigint; paid: bigint; lifetime: bigint }[];
  /** Jobs with more than one successfully executed transaction (a double payment). */
  doubleExecuted: string[];
  /** Transactions that executed successfully, per kind. */
  landed: { mint: number; payout: number };
  reconcileOk: boolean;
  supply: bigint;
  lifetime: bigint;
  paid: bigint;
}

/** Everything the fault tests assert: the chain against the ledger, and each job executed once. */
export async function audit(world: PayoutWorld): Promise<Audit> {
  const { db, chain, mint, payer } = world;
  const balances = await db.query<{ owner: string; lifetime: string; paid: string }>('SELECT owner, lifetime::text, paid::text FROM owner_balances');
  const mismatches: Audit['mismatches'] = [];
  let lifetime = 0n;
  let paid = 0n;
  for (const b of balances.rows) {
    const onChain = await chain.tokenBalance(new PublicKey(b.owner), mint.publicKey);
    lifetime += BigInt(b.lifetime);
    paid += BigInt(b.paid);
    if (onChain !== BigInt(b.paid)) mismatches.push({ owner: b.owner, chain: onChain, paid: BigInt(b.paid), lifetime: BigInt(b.lifetime) });
  }
  const attempts = await db.query<{ signature: string; job: string; kind: string }>(
    'SELECT t.signature, t.job, j.kind FROM chain_transactions t JOIN payout_jobs j ON j.job = t.job',
  );
  const statuses = await chain.signatureStatuses(attempts.rows.map((a) => a.signature));
  const perJob = new Map<string, number>();
  const landed = { mint: 0, payout: 0 };
  attempts.rows.forEach((a, i) => {
    const s = statuses[i]!;
    if (s.state === 'unknown' || s.state === 'failed') return;
    perJob.set(a.job, (perJob.get(a.job) ?? 0) + 1);
    landed[a.kind as 'mint' | 'payout']++;
  });
  const report = await reconcile(db, chain, { mint: mint.publicKey, escrowOwner: payer.publicKey });
  return {
    mismatches,
    doubleExecuted: [...perJob].filter(([, n]) => n > 1).map(([j]) => j),
    landed,
    reconcileOk: report.ok,
    supply: await chain.tokenSupply(mint.publicKey),
    lifetime,
    paid,
  };
}
