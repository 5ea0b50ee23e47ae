import type { Db, Queryable } from '@hexlight/store';
import { clockTimers, type Clock, type Logger, type Service } from '@hexlight/kit';
import { bytesToHex } from '@hexlight/protocol';
import { verifyPoc } from '../verifier/verify.ts';
import { verifyAndApply } from '../step.ts';
import { toReportIn } from '../verifier/report.ts';
import type { Ruleset } from '../verifier/checks.ts';
import { HELIUM_REASONS, HEXLIGHT_REASONS, type PocResult, type ReportIn, type StateUpdate, type WitnessIn, type WitnessVerdict } from '../verifier/types.ts';
import { ENTROPY_LIFESPAN_S } from '../verifier/constants.ts';
import { StoreFeed } from './feed.ts';
import { syncDenylistFile } from './denylist-file.ts';

export interface RunnerConfig {
  rulesetName: string;
  ruleset: Ruleset;
  /** How often the runner looks for beacons whose entropy has expired (clock ms). */
  intervalMs: number;
  /** Beacons per transaction. */
  batchSize: number;
  /** Beacons with unknown entropy and orphan witnesses older than this are judged `stale`. */
  staleAfterMs: number;
  /** The operator's denylist file (JSON), re-read when it changes. */
  denylistFile?: string | undefined;
  /** fail-closed: while the file cannot be read, every key and edge is denied (Helium's choice). */
  denylistMode?: 'fail-open' | 'fail-closed';
}

export interface RunnerStats {
  batches: number;
  beacons: number;
  witnesses: number;
  stale: number;
  lastBatchMs: number;
  /** Verdicts committed, by kind, verdict and reason (`none` for a valid one without a reason). */
  verdicts: VerdictCounts;
}

export type VerdictKind = 'beacon' | 'witness';
export type VerdictCounts = Record<VerdictKind, { valid: Record<string, number>; invalid: Record<string, number> }>;

/** Every reason a stored verdict can carry (`self_witness` never reaches output), so each series exists at 0. */
export const VERDICT_REASONS: readonly string[] = [...HELIUM_REASONS, ...HEXLIGHT_REASONS].filter((r) => r !== 'self_witness');

type Tally = Array<{ kind: VerdictKind; valid: boolean; reason: string }>;

/** The verdicts a transaction stores: each kept PoC's beacon and witness verdicts (omitted ones too), and orphan witnesses. */
function tallyOf(results: PocResult[], orphans: WitnessVerdict[]): Tally {
  const t: Tally = [];
  for (const r of results) {
    t.push({ kind: 'beacon', valid: r.beaconVerdict.valid, reason: r.beaconVerdict.reason ?? 'none' });
    for (const w of [...r.witnessVerdicts, ...r.omittedWitnesses]) t.push({ kind: 'witness', valid: w.valid, reason: w.reason ?? 'none' });
  }
  for (const w of orphans) t.push({ kind: 'witness', valid: w.valid, reason: w.reason ?? 'none' });
  return t;
}

interface BeaconRow { id: Uint8Array; received_at: Date; payload: Uint8Array; data: Uint8Array }
interface WitnessRow { id: Uint8Array; received_at: Date; payload: Uint8Array; data: Uint8Array }

/**
 * The live verifier: picks up beacons once their entropy has expired (all witnesses are in),
 * joins witnesses by payload, runs `verifyPoc`, and stores verdicts, reward shares and the
 * per-hotspot state in one transaction per batch. A verdict's primary key is the report id, so
 * a crash between batches neither loses nor double-counts a PoC: uncommitted work is redone.
 */
export function createPocRunner(deps: { db: Db; clock: Clock; log: Logger }, config: RunnerConfig): Service & { tick(): Promise<number>; stats: RunnerStats } {
  const timers = clockTimers(deps.clock);
  let feed: StoreFeed | null = null;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<number> | null = null;
  const stats: RunnerStats = {
    batches: 0, beacons: 0, witnesses: 0, stale: 0, lastBatchMs: 0,
    verdicts: { beacon: { valid: {}, invalid: {} }, witness: { valid: {}, invalid: {} } },
  };
  /** Called only once the verdict transaction committed: a rolled-back batch counts nothing. */
  const countVerdicts = (t: Tally | undefined) => {
    for (const v of t ?? []) {
      const m = stats.verdicts[v.kind][v.valid ? 'valid' : 'invalid'];
      m[v.reason] = (m[v.reason] ?? 0) + 1;
    }
  };

  async function ensureFeed(): Promise<StoreFeed> {
    if (!feed) {
      const f = new StoreFeed();
      await f.load(deps.db);
      feed = f;
    } else {
      await feed.refresh(deps.db);
    }
    return feed;
  }

  /** One pass: every ready beacon (in batches), then the stale sweep. Returns PoCs judged. */
  let denylistMtime: number | null = null;
  async function syncDenylist(): Promise<void> {
    if (!config.denylistFile) return;
    const f = await ensureFeed();
    try {
      denylistMtime = await syncDenylistFile(deps.db, config.denylistFile, denylistMtime);
      f.state.denyEverything(null);
    } catch (err) {
      denylistMtime = null;
      const closed = config.denylistMode === 'fail-closed';
      f.state.denyEverything(closed ? 'denylist-unavailable' : null);
      deps.log.error({ err: (err as Error).message, file: config.denylistFile, failClosed: closed }, 'poc.denylist.unavailable');
    }
  }

  async function pass(): Promise<number> {
    await syncDenylist();
    let judged = 0;
    for (;;) {
      const n = await batch();
      judged += n;
      if (n < config.batchSize) break;
    }
    judged += await sweepStale();
    return judged;
  }

  /**
   * Claims up to a batch of ready beacons and judges them in one transaction. The claim is the
   * batch's own SELECT with `FOR UPDATE OF b SKIP LOCKED`, so runners on other processes take the
   * next beacons instead of the same ones (no extra statement). Returns the beacons claimed.
   */
  async function batch(): Promise<number> {
    const started = performance.now();
    const f = await ensureFeed();
    const nowMs = deps.clock.now();
    const { claimed, judged, witnesses, tally } = await persist(async (tx) => {
      // Ready: the entropy's lifespan is over (no witness can still be valid), oldest first.
      const beacons = await tx.query<BeaconRow>(
        `SELECT b.id, b.received_at, b.payload, b.data FROM beacon_reports b JOIN entropy e ON e.data = b.remote_entropy
         WHERE (e.timestamp + ${ENTROPY_LIFESPAN_S}) * 1000 < $1
           AND NOT EXISTS (SELECT 1 FROM poc_verdicts v WHERE v.poc_id = b.id)
         ORDER BY e.timestamp, b.received_at, b.id LIMIT $2
         FOR UPDATE OF b SKIP LOCKED`,
        [nowMs, config.batchSize],
      );
      if (beacons.rows.length === 0) return { claimed: 0, judged: 0, witnesses: 0 };
      const witnesses = await tx.query<WitnessRow>(
        `SELECT w.id, w.received_at, w.payload, w.data FROM witness_reports w
         WHERE w.data = ANY($1::bytea[]) AND NOT EXISTS (SELECT 1 FROM witness_verdicts wv WHERE wv.witness_id = w.id)`,
        [beacons.rows.map((b) => b.data)],
      );
      const byData = new Map<string, WitnessIn[]>();
      for (const w of witnesses.rows) {
        const key = bytesToHex(w.data);
        const list = byData.get(key) ?? [];
        list.push(reportIn('witness', w));
        byData.set(key, list);
      }
      const results: PocResult[] = [];
      for (const b of beacons.rows) {
        const beacon = reportIn('beacon', b);
        const ws = byData.get(bytesToHex(b.data)) ?? [];
        byData.delete(bytesToHex(b.data)); // two beacons with one payload: the first takes the witnesses
        results.push(await verifyAndApply(beacon, ws, f.state, config.ruleset));
      }
      const kept = await insertVerdicts(tx, config.rulesetName, results, [], new Date(nowMs));
      await upsertState(tx, kept.flatMap((r) => r.stateUpdates));
      return { claimed: beacons.rows.length, judged: kept.length, witnesses: kept.reduce((a, r) => a + r.witnessVerdicts.length, 0), lost: results.length - kept.length, tally: tallyOf(kept, []) };
    });
    if (claimed === 0) return 0;
    countVerdicts(tally);
    stats.batches++;
    stats.beacons += judged;
    stats.witnesses += witnesses;
    stats.lastBatchMs = performance.now() - started;
    deps.log.info({ beacons: judged, ms: Math.round(stats.lastBatchMs) }, 'poc.batch.verified');
    return claimed;
  }

  /** Beacons whose entropy never arrived, and witnesses no beacon claimed, end as `stale`. */
  async function sweepStale(): Promise<number> {
    const f = await ensureFeed();
    const nowMs = deps.clock.now();
    const cutoff = new Date(nowMs - config.staleAfterMs);
    const { judged, tally } = await persist(async (tx) => {
      const beacons = await tx.query<BeaconRow>(
        `SELECT b.id, b.received_at, b.payload, b.data FROM beacon_reports b
         WHERE b.received_at < $1 AND NOT EXISTS (SELECT 1 FROM entropy e WHERE e.data = b.remote_entropy)
           AND NOT EXISTS (SELECT 1 FROM poc_verdicts v WHERE v.poc_id = b.id)
         ORDER BY b.received_at, b.id LIMIT $2
         FOR UPDATE OF b SKIP LOCKED`,
        [cutoff, config.batchSize],
      );
      const results: PocResult[] = [];
      for (const b of beacons.rows) {
        const ws = await tx.query<WitnessRow>(
          `SELECT w.id, w.received_at, w.payload, w.data FROM witness_reports w
           WHERE w.data = $1 AND NOT EXISTS (SELECT 1 FROM witness_verdicts wv WHERE wv.witness_id = w.id)`, [b.data],
        );
        // Unknown entropy: verifyPoc judges the PoC stale without reading any other state.
        results.push(await verifyPoc(reportIn('beacon', b), ws.rows.map((w) => reportIn('witness', w)), f.state, config.ruleset));
      }
      const orphans = await tx.query<WitnessRow>(
        `SELECT w.id, w.received_at, w.payload, w.data FROM witness_reports w
         WHERE w.received_at < $1 AND NOT EXISTS (SELECT 1 FROM witness_verdicts wv WHERE wv.witness_id = w.id)
           AND NOT EXISTS (SELECT 1 FROM beacon_reports b WHERE b.data = w.data)
         ORDER BY w.received_at LIMIT $2
         FOR UPDATE OF w SKIP LOCKED`,
        [cutoff, config.batchSize],
      );
      const orphanVerdicts: WitnessVerdict[] = orphans.rows.map((w) => {
        const r = reportIn('witness', w);
        return { id: r.id, address: r.address, receivedMs: r.receivedMs, valid: false, reason: 'stale', side: 'witness', selected: false, rewardUnit: 0, evidence: {} };
      });
      if (results.length === 0 && orphanVerdicts.length === 0) return { claimed: 0, judged: 0, witnesses: 0 };
      const kept = await insertVerdicts(tx, config.rulesetName, results, orphanVerdicts, new Date(nowMs));
      return { claimed: results.length + orphanVerdicts.length, judged: kept.length + orphanVerdicts.length, witnesses: 0, lost: results.length - kept.length, tally: tallyOf(kept, orphanVerdicts) };
    });
    stats.stale += judged;
    countVerdicts(tally);
    return judged;
  }

  /**
   * One verdict transaction. The claim cannot see a verdict committed by another runner after
   * the claim's snapshot was taken (its beacon row was only locked, not changed): such beacons
   * come back from the verdict insert as conflicts and are dropped (`lost`). The in-memory state
   * already applied them, so it is reloaded from the store, as after a failed commit.
   */
  async function persist<R extends { claimed: number; judged: number; witnesses: number; lost?: number; tally?: Tally }>(work: (tx: Queryable) => Promise<R>): Promise<R> {
    let r: R;
    try {
      r = await deps.db.transaction(work);
    } catch (err) {
      // The in-memory state already moved on; the store did not. Start again from the store.
      feed = null;
      throw err;
    }
    if (r.lost) {
      feed = null;
      deps.log.info({ beacons: r.lost }, 'poc.batch.judged_elsewhere');
    }
    return r;
  }

  /** Runs a pass unless one is already running (then waits for that one). */
  function tick(): Promise<number> {
    running ??= pass().finally(() => { running = null; });
    return running;
  }

  return {
    name: 'poc-verifier',
    stats,
    tick,
    async start() {
      await ensureFeed();
      timer = timers.setInterval(() => {
        tick().catch((err: Error) => deps.log.warn({ err: err.message }, 'poc.batch.failed'));
      }, config.intervalMs);
    },
    async stop() {
      if (timer) timers.clearInterval(timer);
      timer = null;
      await running?.catch(() => {});
    },
  };
}

function reportIn<K extends 'beacon' | 'witness'>(kind: K, row: { id: Uint8Array; received_at: Date; payload: Uint8Array }): ReportIn<K> {
  const r = toReportIn(kind, row.payload, row.received_at.getTime());
  // The stored id is the dedup id ingest assigned (canonical for re-encoded payloads).
  return { ...r, id: bytesToHex(row.id) };
}

/** Stores the verdicts; returns the results whose beacon verdict this call inserted (not a conflict). */
async function insertVerdicts(tx: Queryable, ruleset: string, all: PocResult[], orphans: WitnessVerdict[], verifiedAt: Date): Promise<PocResult[]> {
  let results = all;
  if (results.length > 0) {
    const v = results.map((r) => r.beaconVerdict);
    const inserted = await tx.query<{ poc_id: Uint8Array }>(
      `INSERT INTO poc_verdicts (poc_id, beaconer, received_at, ruleset, valid, reason, hex_scale, reward_unit, evidence, verified_at)
       SELECT t.id, t.beaconer, t.at, $4, t.valid, t.reason, t.hex_scale, t.unit, t.evidence::jsonb, $5
       FROM unnest($1::bytea[], $2::text[], $3::timestamptz[], $6::bool[], $7::text[], $8::numeric[], $9::numeric[], $10::text[])
         AS t(id, beaconer, at, valid, reason, hex_scale, unit, evidence)
       ON CONFLICT (poc_id) DO NOTHING RETURNING poc_id`,
      [v.map((b) => hexBytes(b.pocId)), v.map((b) => b.address), v.map((b) => new Date(b.receivedMs)), ruleset, verifiedAt,
        v.map((b) => b.valid), v.map((b) => b.reason), v.map((b) => b.hexScale === null ? null : b.hexScale.toFixed(4)), v.map((b) => b.rewardUnit.toFixed(4)),
        v.map((b) => JSON.stringify(b.evidence))],
    );
    if (inserted.rows.length < results.length) {
      const won = new Set(inserted.rows.map((r) => bytesToHex(r.poc_id)));
      results = results.filter((r) => won.has(r.beaconVerdict.pocId));
    }
  }
  const ws: { w: WitnessVerdict; pocId: string | null }[] = [
    ...results.flatMap((r) => [...r.witnessVerdicts, ...r.omittedWitnesses].map((w) => ({ w, pocId: r.beaconVerdict.pocId }))),
    ...orphans.map((w) => ({ w, pocId: null })),
  ];
  if (ws.length > 0) {
    await tx.query(
      `INSERT INTO witness_verdicts (witness_id, poc_id, witness, received_at, valid, reason, side, selected, reward_unit, evidence)
       SELECT t.id, t.poc, t.witness, t.at, t.valid, t.reason, t.side, t.selected, t.unit, t.evidence::jsonb
       FROM unnest($1::bytea[], $2::bytea[], $3::text[], $4::timestamptz[], $5::bool[], $6::text[], $7::text[], $8::bool[], $9::numeric[], $10::text[])
         AS t(id, poc, witness, at, valid, reason, side, selected, unit, evidence)
       ON CONFLICT (witness_id) DO NOTHING`,
      [ws.map(({ w }) => hexBytes(w.id)), ws.map(({ pocId }) => (pocId ? hexBytes(pocId) : null)), ws.map(({ w }) => w.address), ws.map(({ w }) => new Date(w.receivedMs)),
        ws.map(({ w }) => w.valid), ws.map(({ w }) => w.reason), ws.map(({ w }) => w.side), ws.map(({ w }) => w.selected), ws.map(({ w }) => w.rewardUnit.toFixed(4)),
        ws.map(({ w }) => JSON.stringify(w.evidence))],
    );
  }
  const shares = results.flatMap((r) => r.shares);
  if (shares.length > 0) {
    await tx.query(
      `INSERT INTO poc_reward_shares (poc_id, hotspot, role, reward_at, hex_scale, reward_unit, shares)
       SELECT * FROM unnest($1::bytea[], $2::text[], $3::text[], $4::timestamptz[], $5::numeric[], $6::numeric[], $7::numeric[])
       ON CONFLICT DO NOTHING`,
      [shares.map((s) => hexBytes(s.pocId)), shares.map((s) => s.address), shares.map((s) => s.type), shares.map((s) => new Date(s.rewardTimestampMs)),
        shares.map((s) => s.hexScale), shares.map((s) => s.rewardUnit), shares.map((s) => s.shares)],
    );
  }
  return results;
}

/** Sets each touched hotspot's times to their final values in this batch (Helium overwrites). */
async function upsertState(tx: Queryable, updates: StateUpdate[]): Promise<void> {
  const last = new Map<string, { b: number | null; w: number | null; bww: number | null }>();
  for (const u of updates) {
    const s = last.get(u.address) ?? { b: null, w: null, bww: null };
    if (u.kind === 'last_beacon') s.b = u.atMs;
    if (u.kind === 'last_witness') s.w = u.atMs;
    if (u.kind === 'last_beacon_with_witness') s.bww = u.atMs;
    last.set(u.address, s);
  }
  if (last.size === 0) return;
  const rows = [...last.entries()];
  await tx.query(
    `INSERT INTO poc_hotspot_state (address, last_beacon_ms, last_witness_ms, last_beacon_with_witness_ms)
     SELECT * FROM unnest($1::text[], $2::int8[], $3::int8[], $4::int8[])
     ON CONFLICT (address) DO UPDATE SET
       last_beacon_ms = coalesce(EXCLUDED.last_beacon_ms, poc_hotspot_state.last_beacon_ms),
       last_witness_ms = coalesce(EXCLUDED.last_witness_ms, poc_hotspot_state.last_witness_ms),
       last_beacon_with_witness_ms = coalesce(EXCLUDED.last_beacon_with_witness_ms, poc_hotspot_state.last_beacon_with_witness_ms),
       changed_at = now()`,
    [rows.map(([a]) => a), rows.map(([, s]) => (s.b === null ? null : BigInt(s.b))), rows.map(([, s]) => (s.w === null ? null : BigInt(s.w))), rows.map(([, s]) => (s.bww === null ? null : BigInt(s.bww)))],
  );
}

function hexBytes(hex: string): Buffer {
  return Buffer.from(hex, 'hex');
}

