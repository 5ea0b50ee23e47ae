/**
 * Reconcile: the chain against the ledger (rewards-solana.md §6.7). Checks that the mint's supply is
 * what the booked mint jobs minted, that the escrow holds minted − paid, that each owner's token
 * account holds what the ledger says was paid to it, and the ledger's own sums. Read-only.
 */
import { PublicKey } from '@solana/web3.js';
import type { Chain } from '@hexlight/chain';
import type { Queryable } from '@hexlight/store';

export interface Difference {
  readonly what: string;
  readonly chain: bigint;
  readonly ledger: bigint;
  /** chain − ledger */
  readonly difference: bigint;
}

export interface ReconcileReport {
  readonly mint: string;
  readonly escrowOwner: string;
  readonly supply: Difference;
  readonly escrow: Difference;
  readonly owners: { readonly checked: number; readonly differing: readonly Difference[] };
  /** Ledger-internal sums that must agree (lifetime vs hotspot rewards, paid vs booked payouts). */
  readonly ledger: readonly Difference[];
  /** Jobs not yet booked: their transactions may be in flight, which explains a transient difference. */
  readonly openJobs: { readonly count: number; readonly amount: bigint };
  /** true when every difference is zero. */
  readonly ok: boolean;
}

export interface ReconcileOptions {
  readonly mint: PublicKey;
  readonly escrowOwner: PublicKey;
  /** Token balance reads in flight at once (default 16). */
  readonly concurrency?: number;
  readonly onProgress?: (checked: number, total: number) => void;
}

const diff = (what: string, chain: bigint, ledger: bigint): Difference => ({ what, chain, ledger, difference: chain - ledger });

export async function reconcile(q: Queryable, chain: Chain, opts: ReconcileOptions): Promise<ReconcileReport> {
  const sums = await q.query<{ minted: string; paid_jobs: string; open_n: string; open_amount: string }>(
    `SELECT coalesce(sum(amount) FILTER (WHERE kind = 'mint' AND state = 'done'), 0)::text AS minted,
            coalesce(sum(amount) FILTER (WHERE kind = 'payout' AND state = 'done'), 0)::text AS paid_jobs,
            count(*) FILTER (WHERE state <> 'done')::text AS open_n,
            coalesce(sum(amount) FILTER (WHERE state <> 'done'), 0)::text AS open_amount
     FROM payout_jobs`,
  );
  const s = sums.rows[0]!;
  const minted = BigInt(s.minted);
  const paidByJobs = BigInt(s.paid_jobs);
  const ledgerTotals = await q.query<{ lifetime: string; paid: string; rewarded: string }>(
    `SELECT (SELECT coalesce(sum(lifetime), 0) FROM owner_balances)::text AS lifetime,
            (SELECT coalesce(sum(paid), 0) FROM owner_balances)::text AS paid,
            (SELECT coalesce(sum(total), 0) FROM hotspot_rewards)::text AS rewarded`,
  );
  const t = ledgerTotals.rows[0]!;

  const supply = await supplyOf(chain, opts.mint);
  const escrow = await chain.tokenBalance(opts.escrowOwner, opts.mint);

  const owners = await q.query<{ owner: string; paid: string }>(`SELECT owner, paid::text FROM owner_balances WHERE paid > 0 ORDER BY owner COLLATE "C"`);
  const differing: Difference[] = [];
  const concurrency = opts.concurrency ?? 16;
  let next = 0;
  let checked = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, owners.rows.length) }, async () => {
    while (next < owners.rows.length) {
      const row = owners.rows[next++]!;
      const balance = await chain.tokenBalance(new PublicKey(row.owner), opts.mint);
      if (balance !== BigInt(row.paid)) differing.push(diff(`owner ${row.owner}`, balance, BigInt(row.paid)));
      opts.onProgress?.(++checked, owners.rows.length);
    }
  }));
  differing.sort((a, b) => (a.what < b.what ? -1 : a.what > b.what ? 1 : 0));

  const ledger = [
    diff('Σ owner lifetime vs Σ hotspot rewards', BigInt(t.lifetime), BigInt(t.rewarded)),
    diff('Σ owner paid vs Σ booked payout jobs', BigInt(t.paid), paidByJobs),
  ].filter((d) => d.difference !== 0n);
  const supplyDiff = diff('mint supply vs Σ booked mints', supply, minted);
  const escrowDiff = diff('escrow balance vs minted − paid', escrow, minted - paidByJobs);
  return {
    mint: opts.mint.toBase58(),
    escrowOwner: opts.escrowOwner.toBase58(),
    supply: supplyDiff,
    escrow: escrowDiff,
    owners: { checked: owners.rows.length, differing },
    ledger,
    openJobs: { count: Number(s.open_n), amount: BigInt(s.open_amount) },
    ok: supplyDiff.difference === 0n && escrowDiff.difference === 0n && differing.length === 0 && ledger.length === 0,
  };
}

async function supplyOf(chain: Chain, mint: PublicKey): Promise<bigint> {
  // A mint that does not exist yet has minted nothing.
  return (await chain.accountExists(mint)) ? chain.tokenSupply(mint) : 0n;
}

/** The report as the lines `hexlight rewards reconcile` prints. */
export function formatReconcile(r: ReconcileReport): string {
  const line = (d: Difference) => `  ${d.what.padEnd(40)} chain ${d.chain}  ledger ${d.ledger}  difference ${d.difference}`;
  const out = [
    `mint ${r.mint}, escrow owner ${r.escrowOwner}`,
    line(r.supply),
    line(r.escrow),
    `  owners checked: ${r.owners.checked}, differing: ${r.owners.differing.length}`,
    ...r.owners.differing.slice(0, 50).map(line),
    ...(r.owners.differing.length > 50 ? [`  … and ${r.owners.differing.length - 50} more`] : []),
    ...r.ledger.map(line),
    `  open payout jobs: ${r.openJobs.count} (${r.openJobs.amount} base units not yet booked${r.openJobs.count > 0 ? '; differences may be in flight' : ''})`,
    r.ok ? 'reconcile: zero difference' : 'reconcile: DIFFERENCES FOUND',
  ];
  return out.join('\n');
}
