/**
 * Payouts, exactly once: per closed epoch one mint into the escrow, then payout runs of batched
 * transfers to owners' token accounts. The rules (../shared/reference/rewards-solana.md §6):
 *
 * 1. The ledger is cumulative (`owed = lifetime − paid`); a run freezes who gets what, sorted by
 *    owner, in batches, before anything is signed.
 * 2. Every signed transaction goes into `chain_transactions` (bytes, signature, last valid block
 *    height) and is committed before its first send.
 * 3. Signature status decides, on every pass and after any restart: landed at `bookAt` → booked
 *    (`paid += amount` in the same DB transaction as the job's state); unknown while the blockhash
 *    is still valid → the same bytes are sent again; unknown after the finalized block height
 *    passed its last valid height → expired, and only then is the job signed anew.
 * 4. Each job's transaction creates a once-only marker account whose seed is the job id, so a
 *    second execution of the same job — re-signed or not — fails on chain and moves nothing.
 * 5. At most one live (signed or sent) attempt per job, enforced under a row lock.
 */
import { Keypair, PublicKey } from '@solana/web3.js';
import {
  buildCreateMint,
  buildMintToEscrow,
  buildPayouts,
  ChainBlockhashNotFound,
  ChainTxRejected,
  ChainUnavailable,
  transfersPerTransaction,
  type Chain,
  type Commitment,
  type PriorityFee,
  type SignatureStatus,
  type SignedTransaction,
} from '@hexlight/chain';
import type { Clock, Logger } from '@hexlight/kit';
import type { Db } from '@hexlight/store';
import { EscrowShort, PayoutConfigInvalid } from './errors.ts';

export interface PayoutKeys {
  /** Fee payer, escrow owner and signer of every transfer (`payer.json`). */
  readonly payer: Keypair;
  /** The mint's own keypair: its address and its mint authority (`mint.json`). */
  readonly mint: Keypair;
}

export interface PayoutConfig {
  readonly decimals: number;
  /** Owners owed less wait for a later run (base units; default 1). */
  readonly minPayout?: bigint;
  readonly priorityFee?: PriorityFee;
  /** Cap on transfers per transaction (default: as many as fit with ATA creation and marker). */
  readonly maxTransfersPerTransaction?: number;
  /** Transactions signed per blockhash and sent together (default 50). */
  readonly wave?: number;
  /** Resend the same bytes of an unconfirmed attempt at most this often (default 2 s). */
  readonly resendIntervalMs?: number;
  /** Commitment at which a job is booked (default `finalized`). */
  readonly bookAt?: Commitment;
  /** Back-off after a failed or refused attempt: doubles per failure up to this (default 5 min). */
  readonly maxBackoffMs?: number;
}

/** Where a test may make the process "die": the hook throws and the pass stops right there. */
export type CrashPoint = 'after-record' | 'after-send' | 'before-book';

export interface PayoutEngineDeps {
  readonly db: Db;
  readonly chain: Chain;
  readonly clock: Clock;
  readonly log: Logger;
  readonly keys: PayoutKeys;
  /** Test hook (fault tests): called at each crash point; throwing simulates a crash there. */
  readonly crashHook?: (point: CrashPoint, job: string) => void;
}

export interface PassResult {
  /** Jobs booked as done in this pass. */
  readonly booked: number;
  /** Attempts signed (new signatures) in this pass. */
  readonly signed: number;
  /** Sends of stored bytes (first sends and rebroadcasts). */
  readonly sent: number;
  /** Attempts found expired (never landed, blockhash gone) in this pass. */
  readonly expired: number;
  /** Jobs still pending after the pass. */
  readonly pending: number;
  /** Jobs that need an operator (see `last_error`). */
  readonly stuck: number;
  /** A payout run created in this pass. */
  readonly runCreated?: number;
}

export interface PayoutStatus {
  readonly pending: number;
  readonly stuck: number;
  readonly done: number;
  readonly lastError: string | null;
  readonly escrow: string;
  readonly mint: string;
  /** The fee payer's SOL balance: fees, new token accounts' rent and markers come out of it. */
  readonly payerLamports: string;
}

export interface PayoutEngine {
  /** Creates the mint (decimals, authority = the mint key) when it does not exist yet. */
  ensureMint(): Promise<{ created: boolean }>;
  /** One pass: mint jobs for newly closed epochs, settle live attempts, start a run, sign and send. */
  pass(): Promise<PassResult>;
  status(): Promise<PayoutStatus>;
  readonly mint: PublicKey;
  readonly escrowOwner: PublicKey;
}

const RANK: Record<Commitment, number> = { processed: 0, confirmed: 1, finalized: 2 };
/** Longest job id the batch sizing allows for (`p:<run>:<batch>`), so any real id fits. */
const SIZING_SEED = `p:${'9'.repeat(12)}:${'9'.repeat(8)}`;

interface LiveAttempt {
  signature: string;
  job: string;
  bytes: Uint8Array;
  last_valid_block_height: string;
  state: 'signed' | 'sent';
  updated_at: Date;
}

export function createPayoutEngine(deps: PayoutEngineDeps, config: PayoutConfig): PayoutEngine {
  const { db, chain, clock, log, keys } = deps;
  const minPayout = config.minPayout ?? 1n;
  if (minPayout < 1n) throw PayoutConfigInvalid('minPayout must be at least 1 base unit', { field: 'minPayout' });
  const wave = config.wave ?? 50;
  if (!Number.isInteger(wave) || wave < 1) throw PayoutConfigInvalid('wave must be a positive integer', { field: 'wave' });
  const resendMs = config.resendIntervalMs ?? 2_000;
  const bookAt = RANK[config.bookAt ?? 'finalized'];
  const maxBackoffMs = config.maxBackoffMs ?? 300_000;
  const mint = keys.mint.publicKey;
  const payer = keys.payer;
  // The marker is the first instruction after the compute-budget pair (when a priority fee is set).
  const markerIndex = config.priorityFee ? 2 : 0;
  const perTx = config.maxTransfersPerTransaction ?? transfersPerTransaction({ createAtas: true, marker: () => SIZING_SEED, ...(config.priorityFee ? { priorityFee: config.priorityFee } : {}) });
  const crash = (point: CrashPoint, job: string) => deps.crashHook?.(point, job);
  /** Why the last payout run was refused (no job row holds it), for status(). */
  let runRefused: string | null = null;

  const now = () => new Date(clock.now());
  const isMarkerUsed = (info: { instructionIndex?: unknown; customCode?: unknown }) => info.instructionIndex === markerIndex && info.customCode === 0;

  async function ensureMint(): Promise<{ created: boolean }> {
    if (await chain.accountExists(mint)) return { created: false };
    const bh = await chain.latestBlockhash();
    const tx = buildCreateMint({ payer, mint: keys.mint, decimals: config.decimals, mintAuthority: mint, blockhash: bh });
    try {
      await chain.sendRawTransaction(tx.bytes);
    } catch (err) {
      if (!ChainUnavailable.is(err)) throw err;
    }
    // Creating an account twice fails, so a retry after a lost response is harmless.
    let exists = false;
    for (let i = 0; i < 50 && !(exists = await chain.accountExists(mint)); i++) await sleep(100);
    if (!exists) throw ChainUnavailable('the mint was not created in time; retry', { mint: mint.toBase58() });
    log.info({ mint: mint.toBase58(), decimals: config.decimals }, 'payouts.mint.created');
    return { created: true };
  }

  /**
   * One mint job per closed epoch that allocated anything, derived from the ledger (idempotent).
   * Only epochs still without a job are summed, so a pass does not rescan every epoch's rewards.
   */
  async function createMintJobs(): Promise<void> {
    await db.query(
      `INSERT INTO payout_jobs (job, kind, epoch, amount, created_at)
       SELECT 'm:' || e.epoch, 'mint', e.epoch, s.total, $1
       FROM reward_epochs e
       CROSS JOIN LATERAL (SELECT sum(h.total) AS total FROM hotspot_rewards h WHERE h.epoch = e.epoch) s
       WHERE NOT EXISTS (SELECT 1 FROM payout_jobs j WHERE j.kind = 'mint' AND j.epoch = e.epoch) AND s.total > 0
       ON CONFLICT DO NOTHING`,
      [now()],
    );
  }

  async function book(job: string, signature: string, slot: bigint): Promise<boolean> {
    crash('before-book', job);
    return db.transaction(async (tx) => {
      const done = await tx.query<{ kind: string; run: string | null }>(
        `UPDATE payout_jobs SET state = 'done', signature = $2, slot = $3, done_at = $4, last_error = NULL
         WHERE job = $1 AND state <> 'done' RETURNING kind, run`,
        [job, signature, slot.toString(), now()],
      );
      const row = done.rows[0];
      if (!row) return false;
      await tx.query(`UPDATE chain_transactions SET state = 'landed', slot = $2, updated_at = $3 WHERE signature = $1`, [signature, slot.toString(), now()]);
      if (row.kind === 'payout') {
        await tx.query(
          `UPDATE owner_balances b SET paid = b.paid + i.amount FROM payout_items i WHERE i.job = $1 AND b.owner = i.owner`,
          [job],
        );
        await tx.query(
          `UPDATE payout_runs r SET done_at = $2 WHERE r.run = $1 AND r.done_at IS NULL
             AND NOT EXISTS (SELECT 1 FROM payout_jobs j WHERE j.run = $1 AND j.state <> 'done')`,
          [row.run, now()],
        );
      }
      return true;
    });
  }

  async function markAttempt(signature: string, state: 'failed' | 'expired' | 'rejected', error: string | null, slot?: bigint): Promise<void> {
    await db.transaction(async (tx) => {
      await tx.query(`UPDATE chain_transactions SET state = $2, error = $3, slot = $4, updated_at = $5 WHERE signature = $1`, [
        signature, state, error, slot?.toString() ?? null, now(),
      ]);
      if (state === 'expired') return;
      // An executed-and-failed or refused attempt: back off before signing the job again.
      await tx.query(
        `UPDATE payout_jobs SET failures = failures + 1, last_error = $2,
           next_attempt_at = $3::timestamptz + least($4::bigint, 1000 * power(2, failures)::bigint) * interval '1 millisecond'
         WHERE job = (SELECT job FROM chain_transactions WHERE signature = $1) AND state = 'pending'`,
        [signature, error, now(), maxBackoffMs],
      );
    });
  }

  /**
   * The job's marker already exists on chain: one of its attempts executed. Book the one that
   * landed; if none of the recorded attempts did, the job needs an operator (nothing is re-sent).
   */
  async function resolveMarkerUsed(job: string): Promise<boolean> {
    const all = await db.query<{ signature: string }>('SELECT signature FROM chain_transactions WHERE job = $1', [job]);
    const statuses = await chain.signatureStatuses(all.rows.map((r) => r.signature));
    for (let i = 0; i < statuses.length; i++) {
      const s = statuses[i]!;
      if (s.state !== 'unknown' && s.state !== 'failed') return book(job, all.rows[i]!.signature, s.slot);
    }
    await db.query(`UPDATE payout_jobs SET state = 'stuck', last_error = $2 WHERE job = $1 AND state = 'pending'`, [
      job, 'the marker account exists but no recorded attempt of this job landed: check the chain and the ledger (hexlight rewards reconcile)',
    ]);
    log.error({ job }, 'payouts.job.stuck.marker_without_attempt');
    return false;
  }

  /** Settles every live attempt by its signature status; resends what can still land. */
  async function settle(counts: Counts): Promise<void> {
    const live = await db.query<LiveAttempt>(
      `SELECT t.signature, t.job, t.bytes, t.last_valid_block_height::text, t.state, t.updated_at
       FROM chain_transactions t JOIN payout_jobs j ON j.job = t.job
       WHERE t.state IN ('signed', 'sent') AND j.state = 'pending' ORDER BY t.created_at`,
    );
    if (live.rows.length === 0) return;
    // Height first: an attempt unknown *after* the height passed its last valid height never lands.
    const height = await chain.blockHeight();
    const statuses: SignatureStatus[] = await chain.signatureStatuses(live.rows.map((r) => r.signature));
    const resend: LiveAttempt[] = [];
    for (let i = 0; i < live.rows.length; i++) {
      const a = live.rows[i]!;
      const s = statuses[i]!;
      if (s.state === 'failed') {
        if (isMarkerUsed(s)) {
          await markAttempt(a.signature, 'failed', s.error, s.slot);
          if (await resolveMarkerUsed(a.job)) counts.booked++;
        } else {
          log.warn({ job: a.job, signature: a.signature, error: s.error }, 'payouts.attempt.failed');
          await markAttempt(a.signature, 'failed', s.error, s.slot);
        }
      } else if (s.state !== 'unknown') {
        if (RANK[s.state] >= bookAt && (await book(a.job, a.signature, s.slot))) counts.booked++;
      } else if (height > BigInt(a.last_valid_block_height)) {
        await markAttempt(a.signature, 'expired', null);
        counts.expired++;
      } else if (a.state === 'signed' || clock.now() - a.updated_at.getTime() >= resendMs) {
        resend.push(a);
      }
    }
    await sendAll(resend, counts);
  }

  /** Sends stored bytes; the status on a later pass decides what happened. */
  async function sendAll(attempts: readonly { signature: string; job: string; bytes: Uint8Array }[], counts: Counts): Promise<void> {
    await Promise.all(attempts.map(async (a) => {
      try {
        await chain.sendRawTransaction(a.bytes);
        counts.sent++;
        crash('after-send', a.job);
        await db.query(`UPDATE chain_transactions SET state = 'sent', sends = sends + 1, updated_at = $2 WHERE signature = $1 AND state IN ('signed', 'sent')`, [a.signature, now()]);
      } catch (err) {
        if (ChainTxRejected.is(err)) {
          const details = (err as { details?: { instructionIndex?: unknown; customCode?: unknown } }).details ?? {};
          if (isMarkerUsed(details)) {
            await markAttempt(a.signature, 'rejected', (err as Error).message);
            if (await resolveMarkerUsed(a.job)) counts.booked++;
            return;
          }
          log.warn({ job: a.job, signature: a.signature, err: (err as Error).message }, 'payouts.attempt.rejected');
          await markAttempt(a.signature, 'rejected', (err as Error).message);
          return;
        }
        // Outage or lost response (it may have landed), or a blockhash the node does not know
        // (yet, or any more): keep the attempt live; status and block height decide next pass.
        if (ChainUnavailable.is(err) || ChainBlockhashNotFound.is(err)) {
          log.debug({ job: a.job, signature: a.signature, err: (err as Error).message }, 'payouts.send.unsettled');
          await db.query(`UPDATE chain_transactions SET sends = sends + 1, updated_at = $2 WHERE signature = $1`, [a.signature, now()]);
          return;
        }
        throw err;
      }
    }));
  }

  /** Pays everyone owed at least `minPayout`, once no job is open: amounts frozen in one transaction. */
  async function maybeCreateRun(): Promise<number | undefined> {
    const open = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM payout_jobs WHERE state <> 'done'`);
    if (Number(open.rows[0]!.n) > 0) return undefined;
    // Nobody owed enough: no run, and no chain read on this pass.
    const due = await db.query('SELECT 1 FROM owner_balances WHERE lifetime - paid >= $1 LIMIT 1', [minPayout.toString()]);
    if (due.rows.length === 0) return undefined;
    const escrow = await chain.tokenBalance(payer.publicKey, mint);
    return db.transaction(async (tx) => {
      const owed = await tx.query<{ owner: string; owed: string }>(
        `SELECT owner, (lifetime - paid)::text AS owed FROM owner_balances
         WHERE lifetime - paid >= $1 ORDER BY owner COLLATE "C"`,
        [minPayout.toString()],
      );
      if (owed.rows.length === 0) return undefined;
      const stillOpen = await tx.query<{ n: string }>(`SELECT count(*)::text AS n FROM payout_jobs WHERE state <> 'done'`);
      if (Number(stillOpen.rows[0]!.n) > 0) return undefined; // another instance started one
      const rows = owed.rows.filter((r) => isWallet(r.owner, log));
      const total = rows.reduce((s, r) => s + BigInt(r.owed), 0n);
      if (total > escrow) throw EscrowShort(undefined, { escrow: escrow.toString(), needed: total.toString() });
      const last = await tx.query<{ run: string | null }>('SELECT max(run)::text AS run FROM payout_runs');
      const run = Number(last.rows[0]!.run ?? 0) + 1;
      const batches = Math.ceil(rows.length / perTx);
      await tx.query(
        `INSERT INTO payout_runs (run, created_at, min_payout, owners, total, batches) VALUES ($1, $2, $3, $4, $5, $6)`,
        [run, now(), minPayout.toString(), rows.length, total.toString(), batches],
      );
      const jobs: string[] = [];
      const jobAmounts: string[] = [];
      const itemJobs: string[] = [];
      for (let b = 0; b < batches; b++) {
        const slice = rows.slice(b * perTx, (b + 1) * perTx);
        const job = `p:${run}:${b}`;
        jobs.push(job);
        jobAmounts.push(slice.reduce((s, r) => s + BigInt(r.owed), 0n).toString());
        for (let i = 0; i < slice.length; i++) itemJobs.push(job);
      }
      await tx.query(
        `INSERT INTO payout_jobs (job, kind, run, batch, amount, created_at)
         SELECT j, 'payout', $1, ord - 1, a, $4 FROM unnest($2::text[], $3::numeric[]) WITH ORDINALITY AS u(j, a, ord)`,
        [run, jobs, jobAmounts, now()],
      );
      await tx.query(
        `INSERT INTO payout_items (job, owner, amount) SELECT * FROM unnest($1::text[], $2::text[], $3::numeric[])`,
        [itemJobs, rows.map((r) => r.owner), rows.map((r) => r.owed)],
      );
      log.info({ run, owners: rows.length, total: total.toString(), batches }, 'payouts.run.created');
      return run;
    });
  }

  /** Signs new attempts for jobs without a live one, a wave per fresh blockhash; records, then sends. */
  async function signAndSend(counts: Counts): Promise<void> {
    for (;;) {
      const due = await db.query<{ job: string; kind: 'mint' | 'payout'; amount: string }>(
        `SELECT j.job, j.kind, j.amount::text FROM payout_jobs j
         WHERE j.state = 'pending' AND (j.next_attempt_at IS NULL OR j.next_attempt_at <= $1)
           AND NOT EXISTS (SELECT 1 FROM chain_transactions t WHERE t.job = j.job AND t.state IN ('signed', 'sent', 'landed'))
         ORDER BY (j.kind = 'payout'), j.epoch, j.run, j.batch LIMIT $2`,
        [now(), wave],
      );
      if (due.rows.length === 0) return;
      const items = await itemsOf(due.rows.filter((r) => r.kind === 'payout').map((r) => r.job));
      const bh = await chain.latestBlockhash();
      const signed: { job: string; tx: SignedTransaction }[] = due.rows.map((j) => ({
        job: j.job,
        tx: j.kind === 'mint'
          ? buildMintToEscrow({ payer, mintAuthority: keys.mint, mint, decimals: config.decimals, amount: BigInt(j.amount), escrowOwner: payer.publicKey, blockhash: bh, marker: j.job, ...fee() })
          : onePayout(j.job, items.get(j.job) ?? [], bh),
      }));
      // The outbox write, under a lock per job: never two live attempts of one job.
      const recorded = await db.transaction(async (tx) => {
        const locked = await tx.query<{ job: string }>(
          `SELECT job FROM payout_jobs j WHERE job = ANY($1::text[]) AND state = 'pending'
             AND NOT EXISTS (SELECT 1 FROM chain_transactions t WHERE t.job = j.job AND t.state IN ('signed', 'sent', 'landed'))
           FOR UPDATE`,
          [signed.map((s) => s.job)],
        );
        const free = new Set(locked.rows.map((r) => r.job));
        const keep = signed.filter((s) => free.has(s.job));
        if (keep.length === 0) return keep;
        await tx.query(
          `INSERT INTO chain_transactions (signature, job, bytes, blockhash, last_valid_block_height, state, created_at, updated_at)
           SELECT s, j, b, $4, $5, 'signed', $6, $6 FROM unnest($1::text[], $2::text[], $3::bytea[]) AS u(s, j, b)`,
          [keep.map((s) => s.tx.signature), keep.map((s) => s.job), keep.map((s) => Buffer.from(s.tx.bytes)), bh.blockhash, bh.lastValidBlockHeight.toString(), now()],
        );
        await tx.query(`UPDATE payout_jobs SET attempts = attempts + 1 WHERE job = ANY($1::text[])`, [keep.map((s) => s.job)]);
        return keep;
      });
      counts.signed += recorded.length;
      for (const r of recorded) crash('after-record', r.job);
      await sendAll(recorded.map((r) => ({ signature: r.tx.signature, job: r.job, bytes: r.tx.bytes })), counts);
      if (due.rows.length < wave) return;
    }
  }

  function fee(): { priorityFee?: PriorityFee } {
    return config.priorityFee ? { priorityFee: config.priorityFee } : {};
  }

  function onePayout(job: string, payouts: { owner: PublicKey; amount: bigint }[], bh: { blockhash: string; lastValidBlockHeight: bigint }): SignedTransaction {
    const txs = buildPayouts({ authority: payer, mint, decimals: config.decimals, blockhash: bh, payouts, marker: () => job, maxTransfersPerTransaction: payouts.length, ...fee() });
    if (txs.length !== 1) throw new Error(`payout job ${job} did not fit in one transaction (${txs.length})`);
    return txs[0]!;
  }

  async function itemsOf(jobs: string[]): Promise<Map<string, { owner: PublicKey; amount: bigint }[]>> {
    const out = new Map<string, { owner: PublicKey; amount: bigint }[]>();
    if (jobs.length === 0) return out;
    const res = await db.query<{ job: string; owner: string; amount: string }>(
      `SELECT job, owner, amount::text FROM payout_items WHERE job = ANY($1::text[]) ORDER BY job, owner COLLATE "C"`,
      [jobs],
    );
    for (const r of res.rows) {
      const list = out.get(r.job) ?? [];
      list.push({ owner: new PublicKey(r.owner), amount: BigInt(r.amount) });
      out.set(r.job, list);
    }
    return out;
  }

  async function pass(): Promise<PassResult> {
    const counts: Counts = { booked: 0, signed: 0, sent: 0, expired: 0 };
    await createMintJobs();
    await settle(counts);
    let runCreated: number | undefined;
    try {
      runCreated = await maybeCreateRun();
      runRefused = null;
    } catch (err) {
      if (!EscrowShort.is(err)) throw err;
      runRefused = `${(err as Error).message} ${JSON.stringify((err as { details?: unknown }).details)}`;
      log.error({ err: (err as Error).message, details: (err as { details?: unknown }).details }, 'payouts.run.refused');
    }
    await signAndSend(counts);
    const open = await db.query<{ state: string; n: string }>(`SELECT state, count(*)::text AS n FROM payout_jobs WHERE state <> 'done' GROUP BY state`);
    const n = (s: string) => Number(open.rows.find((r) => r.state === s)?.n ?? 0);
    return { ...counts, pending: n('pending'), stuck: n('stuck'), ...(runCreated !== undefined ? { runCreated } : {}) };
  }

  async function status(): Promise<PayoutStatus> {
    const res = await db.query<{ state: string; n: string }>(`SELECT state, count(*)::text AS n FROM payout_jobs GROUP BY state`);
    const n = (s: string) => Number(res.rows.find((r) => r.state === s)?.n ?? 0);
    const err = await db.query<{ last_error: string }>(`SELECT last_error FROM payout_jobs WHERE state <> 'done' AND last_error IS NOT NULL ORDER BY created_at DESC LIMIT 1`);
    return {
      pending: n('pending'), stuck: n('stuck'), done: n('done'), lastError: err.rows[0]?.last_error ?? runRefused,
      escrow: payer.publicKey.toBase58(), mint: mint.toBase58(), payerLamports: (await chain.lamports(payer.publicKey)).toString(),
    };
  }

  return { ensureMint, pass, status, mint, escrowOwner: payer.publicKey };
}

interface Counts {
  booked: number;
  signed: number;
  sent: number;
  expired: number;
}

function isWallet(owner: string, log: Logger): boolean {
  try {
    new PublicKey(owner);
    return true;
  } catch {
    log.error({ owner }, 'payouts.owner.invalid_wallet');
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
