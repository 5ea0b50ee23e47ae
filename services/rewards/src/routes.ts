import type { FastifyPluginAsync } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { PublicKey } from '@solana/web3.js';
import type { Chain } from '@hexlight/chain';
import { adminGuard, type Clock } from '@hexlight/kit';
import type { Db } from '@hexlight/store';
import { InvalidAddress, InvalidWallet, isValidAddress, isValidSolanaAddress } from '@hexlight/protocol';
import { EpochNotClosed, epochAt, hotspotRewardHistory, ownerBalance, ownerRewardHistory, type EpochHotspotReward } from './ledger/index.ts';
import { reconcile, type PayoutEngine } from './payouts/index.ts';

// The owner API: what each hotspot earned per epoch with its breakdown, what each owner was paid
// and in which transaction, and epoch summaries. Amounts are base units as decimal strings
// (they can exceed 2^53).

const Err = Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Record(Type.String(), Type.Unknown())) });
const Amount = Type.String({ pattern: '^[0-9]+$', description: 'token base units (10^-decimals token), decimal string' });
const Address = Type.String({ minLength: 20, maxLength: 64, pattern: '^[1-9A-HJ-NP-Za-km-z]+$' });
const Paging = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 30 })),
  before_epoch: Type.Optional(Type.Integer({ minimum: 0, description: 'only epochs before this one (paging, newest first)' })),
}, { additionalProperties: false });

const RewardRow = Type.Object({
  epoch: Type.Integer(), hotspot: Type.String(), owner: Type.String(),
  beacon: Amount, witness: Amount, data: Amount, total: Amount,
});
const PayoutRow = Type.Object({
  run: Type.Integer(), job: Type.String(), amount: Amount,
  state: Type.Union([Type.Literal('pending'), Type.Literal('done'), Type.Literal('stuck')]),
  signature: Type.Union([Type.String(), Type.Null()], { description: 'Solana transaction signature (base58) once it landed' }),
  created_at: Type.String(), done_at: Type.Union([Type.String(), Type.Null()]),
});
const Pools = Type.Object({ beacon: Amount, witness: Amount, data: Amount, operations: Amount, oracles: Amount, treasury: Amount });

const rewardJson = (r: EpochHotspotReward) => ({
  epoch: r.epoch, hotspot: r.hotspot, owner: r.owner,
  beacon: r.beacon.toString(), witness: r.witness.toString(), data: r.data.toString(), total: r.total.toString(),
});

export interface RewardsRoutesDeps {
  db: Db;
  clock: Clock;
  epochLengthMs: number;
  graceMs: number;
  decimals: number;
  payouts: PayoutEngine;
  chain: Chain;
  mint: PublicKey;
  escrowOwner: PublicKey;
  /** Bearer token of the admin routes; undefined = off. */
  adminToken: string | undefined;
}

const Diff = Type.Object({ what: Type.String(), chain: Amount, ledger: Amount, difference: Type.String({ pattern: '^-?[0-9]+$' }) });

export function rewardsRoutes(deps: RewardsRoutesDeps): FastifyPluginAsync {
  const { db } = deps;
  return async (app) => {
    const OwnerParams = Type.Object({ wallet: Address }, { additionalProperties: false });
    app.get('/v1/owners/:wallet/rewards', {
      schema: {
        tags: ['rewards'], summary: "An owner's balance (lifetime, paid, owed), rewards per epoch per hotspot with breakdown, and payouts with transaction signatures",
        params: OwnerParams, querystring: Paging,
        response: {
          200: Type.Object({
            owner: Type.String(), decimals: Type.Integer(), lifetime: Amount, paid: Amount, owed: Amount,
            rewards: Type.Array(RewardRow), payouts: Type.Array(PayoutRow),
          }),
          400: Err,
        },
      },
    }, async (req) => {
      const { wallet } = req.params as Static<typeof OwnerParams>;
      if (!isValidSolanaAddress(wallet)) throw InvalidWallet(undefined, { wallet });
      const q = req.query as { limit?: number; before_epoch?: number };
      const paging = { limit: q.limit ?? 30, ...(q.before_epoch !== undefined ? { beforeEpoch: q.before_epoch } : {}) };
      const balance = await ownerBalance(db, wallet);
      const rewards = await ownerRewardHistory(db, wallet, paging);
      const payouts = await db.query<{ run: string; job: string; amount: string; state: 'pending' | 'done' | 'stuck'; signature: string | null; created_at: Date; done_at: Date | null }>(
        `SELECT j.run::text, j.job, i.amount::text, j.state, j.signature, j.created_at, j.done_at
         FROM payout_items i JOIN payout_jobs j ON j.job = i.job WHERE i.owner = $1 ORDER BY j.run DESC LIMIT $2`,
        [wallet, paging.limit],
      );
      return {
        owner: wallet, decimals: deps.decimals,
        lifetime: balance.lifetime.toString(), paid: balance.paid.toString(), owed: balance.owed.toString(),
        rewards: rewards.map(rewardJson),
        payouts: payouts.rows.map((p) => ({
          run: Number(p.run), job: p.job, amount: p.amount, state: p.state, signature: p.state === 'done' ? p.signature : null,
          created_at: p.created_at.toISOString(), done_at: p.done_at?.toISOString() ?? null,
        })),
      };
    });

    const HotspotParams = Type.Object({ address: Address }, { additionalProperties: false });
    app.get('/v1/hotspots/:address/rewards', {
      schema: {
        tags: ['rewards'], summary: "A hotspot's rewards per epoch (beacon, witness, data) and the owner each was credited to",
        params: HotspotParams, querystring: Paging,
        response: { 200: Type.Object({ hotspot: Type.String(), decimals: Type.Integer(), lifetime: Amount, rewards: Type.Array(RewardRow) }), 400: Err },
      },
    }, async (req) => {
      const { address } = req.params as Static<typeof HotspotParams>;
      if (!isValidAddress(address)) throw InvalidAddress(undefined, { address });
      const q = req.query as { limit?: number; before_epoch?: number };
      const rewards = await hotspotRewardHistory(db, address, { limit: q.limit ?? 30, ...(q.before_epoch !== undefined ? { beforeEpoch: q.before_epoch } : {}) });
      const total = await db.query<{ t: string }>('SELECT coalesce(sum(total), 0)::text AS t FROM hotspot_rewards WHERE hotspot = $1', [address]);
      return { hotspot: address, decimals: deps.decimals, lifetime: total.rows[0]!.t, rewards: rewards.map(rewardJson) };
    });

    const EpochParams = Type.Object({ n: Type.Integer({ minimum: 0 }) }, { additionalProperties: false });
    app.get('/v1/epochs/:n', {
      schema: {
        tags: ['rewards'], summary: 'A closed epoch: emission, what each pool distributed, unallocated remainders, the manifest to recompute it, and its mint',
        params: EpochParams,
        response: {
          200: Type.Object({
            epoch: Type.Integer(), start: Type.String(), end: Type.String(), closed_at: Type.String(), decimals: Type.Integer(),
            emission: Amount, pools: Pools,
            unallocated: Type.Object({ beacon: Amount, witness: Amount, data: Amount }),
            hotspots: Type.Integer(), allocated: Amount,
            mint: Type.Union([Type.Object({ amount: Amount, state: Type.String(), signature: Type.Union([Type.String(), Type.Null()]) }), Type.Null()]),
            manifest: Type.Record(Type.String(), Type.Unknown()),
          }),
          404: Err,
        },
      },
    }, async (req) => {
      const { n } = req.params as Static<typeof EpochParams>;
      const e = await db.query<{
        start_at: Date; end_at: Date; closed_at: Date; emission: string; beacon_pool: string; witness_pool: string; data_pool: string;
        operations_pool: string; oracles_pool: string; treasury_pool: string; beacon_unallocated: string; witness_unallocated: string; data_unallocated: string;
        manifest: Record<string, unknown>;
      }>(
        `SELECT start_at, end_at, closed_at, emission::text, beacon_pool::text, witness_pool::text, data_pool::text, operations_pool::text, oracles_pool::text,
           treasury_pool::text, beacon_unallocated::text, witness_unallocated::text, data_unallocated::text, manifest FROM reward_epochs WHERE epoch = $1`,
        [n],
      );
      const row = e.rows[0];
      if (!row) throw EpochNotClosed(undefined, { epoch: n });
      const sums = await db.query<{ hotspots: string; allocated: string }>('SELECT count(*)::text AS hotspots, coalesce(sum(total), 0)::text AS allocated FROM hotspot_rewards WHERE epoch = $1', [n]);
      const mint = await db.query<{ amount: string; state: string; signature: string | null }>(`SELECT amount::text, state, signature FROM payout_jobs WHERE kind = 'mint' AND epoch = $1`, [n]);
      return {
        epoch: n, start: row.start_at.toISOString(), end: row.end_at.toISOString(), closed_at: row.closed_at.toISOString(), decimals: deps.decimals,
        emission: row.emission,
        pools: { beacon: row.beacon_pool, witness: row.witness_pool, data: row.data_pool, operations: row.operations_pool, oracles: row.oracles_pool, treasury: row.treasury_pool },
        unallocated: { beacon: row.beacon_unallocated, witness: row.witness_unallocated, data: row.data_unallocated },
        hotspots: Number(sums.rows[0]!.hotspots), allocated: sums.rows[0]!.allocated,
        mint: mint.rows[0] ?? null,
        manifest: row.manifest,
      };
    });

    app.get('/v1/admin/rewards/reconcile', {
      ...adminGuard(deps.adminToken),
      schema: {
        tags: ['admin'], summary: 'Reconcile the chain with the ledger now (what `hexlight rewards reconcile` prints, for a running network); reads every paid owner\'s token account',
        response: {
          200: Type.Object({
            ok: Type.Boolean(), mint: Type.String(), escrow_owner: Type.String(), supply: Diff, escrow: Diff,
            owners: Type.Object({ checked: Type.Integer(), differing: Type.Array(Diff) }), ledger: Type.Array(Diff),
            open_jobs: Type.Object({ count: Type.Integer(), amount: Amount }),
          }),
          401: Err, 403: Err,
        },
      },
    }, async () => {
      const r = await reconcile(db, deps.chain, { mint: deps.mint, escrowOwner: deps.escrowOwner });
      const d = (x: { what: string; chain: bigint; ledger: bigint; difference: bigint }) => ({ what: x.what, chain: x.chain.toString(), ledger: x.ledger.toString(), difference: x.difference.toString() });
      return {
        ok: r.ok, mint: r.mint, escrow_owner: r.escrowOwner, supply: d(r.supply), escrow: d(r.escrow),
        owners: { checked: r.owners.checked, differing: r.owners.differing.map(d) }, ledger: r.ledger.map(d),
        open_jobs: { count: r.openJobs.count, amount: r.openJobs.amount.toString() },
      };
    });

    app.get('/v1/rewards/status', {
      schema: {
        tags: ['rewards'], summary: 'The current epoch, the last closed one, when the next closes, and the payout queue',
        response: {
          200: Type.Object({
            epoch_length_s: Type.Integer(), current_epoch: Type.Integer(), last_closed_epoch: Type.Union([Type.Integer(), Type.Null()]), next_close_at: Type.String(),
            mint: Type.String(), escrow_owner: Type.String(), decimals: Type.Integer(),
            payer_lamports: Type.String({ description: 'the fee payer\'s SOL balance in lamports (fees, new token accounts\' rent, markers)' }),
            payouts: Type.Object({ pending: Type.Integer(), stuck: Type.Integer(), done: Type.Integer(), last_error: Type.Union([Type.String(), Type.Null()]) }),
          }),
        },
      },
    }, async () => {
      const now = deps.clock.now();
      const last = await db.query<{ epoch: string | null }>('SELECT max(epoch)::text AS epoch FROM reward_epochs');
      const lastClosed = last.rows[0]!.epoch === null ? null : Number(last.rows[0]!.epoch);
      const current = epochAt(now, deps.epochLengthMs);
      const nextToClose = lastClosed === null ? current - 1 : lastClosed + 1;
      const s = await deps.payouts.status();
      return {
        epoch_length_s: Math.round(deps.epochLengthMs / 1000), current_epoch: current, last_closed_epoch: lastClosed,
        next_close_at: new Date(Math.max((nextToClose + 1) * deps.epochLengthMs + deps.graceMs, now)).toISOString(),
        mint: s.mint, escrow_owner: s.escrow, decimals: deps.decimals, payer_lamports: s.payerLamports,
        payouts: { pending: s.pending, stuck: s.stuck, done: s.done, last_error: s.lastError },
      };
    });
  };
}
