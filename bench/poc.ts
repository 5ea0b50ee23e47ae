// `npm run bench -- poc`: a synthetic day of a 40,000-hotspot network (4 beacons per hotspot,
// ~10 witnesses each) verified from the store by the live runner, with every store read and
// write; the baseline in the same run is the same day through the verifier alone, in memory.
import { parseArgs } from 'node:util';
import { benchDatabaseUrl, openBenchStore } from './store.ts';
import cliProgress from 'cli-progress';
import { ManualClock, silentLogger, startTsWorker } from '@hexlight/kit';
import { bytesToHex, reportId } from '@hexlight/protocol';
import { createPocRunner, InMemoryPocState, rulesetByName, toReportIn, verifyAndApply, type WitnessIn } from '@hexlight/poc';
import { planDay, BENCH_GAIN } from './poc-plan.ts';

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      hotspots: { type: 'string', default: '40000' },
      beacons: { type: 'string', default: '4' },
      witnesses: { type: 'string', default: '10' },
      store: { type: 'string' },
      rules: { type: 'string', default: 'hexlight' },
      batch: { type: 'string', default: '2000' },
    },
  });
  const pgUrl = benchDatabaseUrl();
  const storeKind = values.store ?? (pgUrl ? 'pg' : 'pglite');
  const dayStart = Date.UTC(2026, 0, 5);
  const bar = new cliProgress.SingleBar({ format: '  {phase} [{bar}] {value}/{total}', hideCursor: true }, cliProgress.Presets.shades_classic);

  console.log(`bench poc: ${values.hotspots} hotspots × ${values.beacons} beacons/day × ~${values.witnesses} witnesses, ruleset ${values.rules}, store ${storeKind}`);
  let t = performance.now();
  const plan = planDay({ hotspots: Number(values.hotspots), beaconsPerDay: Number(values.beacons), witnesses: Number(values.witnesses), dayStartMs: dayStart });
  console.log(`  planned ${plan.beacons.length} beacons and ${plan.witnesses.length} witnesses in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  // Sign in two worker threads, in slices.
  t = performance.now();
  const signed = { beacons: [] as Uint8Array[], witnesses: [] as Uint8Array[] };
  const workers = [0, 1].map(() => startTsWorker(new URL('./poc-sign.ts', import.meta.url)));
  const SLICE = 20_000;
  const jobs: { kind: 'beacons' | 'witnesses'; from: number; to: number }[] = [];
  for (let i = 0; i < plan.beacons.length; i += SLICE) jobs.push({ kind: 'beacons', from: i, to: Math.min(i + SLICE, plan.beacons.length) });
  for (let i = 0; i < plan.witnesses.length; i += SLICE) jobs.push({ kind: 'witnesses', from: i, to: Math.min(i + SLICE, plan.witnesses.length) });
  bar.start(plan.beacons.length + plan.witnesses.length, 0, { phase: 'signing' });
  let done = 0;
  const results = new Array<{ beacons: Uint8Array[]; witnesses: Uint8Array[] }>(jobs.length);
  let next = 0;
  await Promise.all(workers.map((w) => new Promise<void>((resolve) => {
    const give = () => {
      const j = next++;
      if (j >= jobs.length) return resolve();
      const job = jobs[j]!;
      w.once('message', (r: { beacons: Uint8Array[]; witnesses: Uint8Array[] }) => {
        results[j] = r;
        done += job.to - job.from;
        bar.update(done);
        give();
      });
      w.postMessage(job.kind === 'beacons' ? { beacons: plan.beacons.slice(job.from, job.to), witnesses: [] } : { beacons: [], witnesses: plan.witnesses.slice(job.from, job.to) });
    };
    give();
  })));
  bar.stop();
  await Promise.all(workers.map((w) => w.terminate()));
  for (const r of results) { signed.beacons.push(...r.beacons); signed.witnesses.push(...r.witnesses); }
  console.log(`  signed in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  // ---- baseline: the verifier alone, in memory, same day ----
  const rules = rulesetByName(values.rules!);
  const seedState = (s: InMemoryPocState) => {
    for (const h of plan.hotspots) s.recordHotspot({ address: h.key.address, owner: 'bench', location: h.cell, region: 'EU868', gain: BENCH_GAIN, elevation: 5, capability: 'full' }, dayStart - 86_400_000);
    for (const e of plan.entropies) s.recordEntropy({ data: e.data, timestamp: e.timestamp, version: 0 });
    // Everyone was active yesterday: reciprocity and interactivity hold from the first beacon.
    return s.apply(plan.hotspots.flatMap((h) => [
      { kind: 'last_witness' as const, address: h.key.address, atMs: dayStart - 3_600_000 },
      { kind: 'last_beacon_with_witness' as const, address: h.key.address, atMs: dayStart - 3_600_000 },
    ]));
  };
  const memState = new InMemoryPocState();
  await seedState(memState);
  // Witness indices by payload; decoded when their beacon is judged (1.6 M decoded reports at once would not fit).
  const byData = new Map<string, number[]>();
  plan.witnesses.forEach((w, i) => {
    const k = bytesToHex(w.data);
    (byData.get(k) ?? byData.set(k, []).get(k)!).push(i);
  });
  const order = plan.beacons.map((b, i) => ({ b, i })).sort((x, y) => x.b.atMs - y.b.atMs);
  t = performance.now();
  let memWitnesses = 0;
  let memValid = 0;
  for (const { b, i } of order) {
    const ws: WitnessIn[] = (byData.get(bytesToHex(b.data)) ?? []).map((j) => toReportIn('witness', signed.witnesses[j]!, plan.witnesses[j]!.atMs));
    const r = await verifyAndApply(toReportIn('beacon', signed.beacons[i]!, b.atMs), ws, memState, rules);
    memWitnesses += r.witnessVerdicts.length;
    memValid += r.witnessVerdicts.filter((w) => w.valid).length;
  }
  const memSeconds = (performance.now() - t) / 1000;
  console.log(`  baseline (verifier alone, in memory): ${memWitnesses} witnesses in ${memSeconds.toFixed(1)} s = ${(memWitnesses / memSeconds).toFixed(0)}/s (${memValid} valid)`);

  // ---- the store ----
  const { db, cleanup } = await openBenchStore(storeKind, 'poc');
  try {
    t = performance.now();
    const yesterday = new Date(dayStart - 86_400_000);
    await db.query(`INSERT INTO hotspots (address, key_binary, owner, onboarded_at, location, region, gain, elevation, asserted_at, assert_nonce)
      SELECT a, k, 'bench', $3, c, 'EU868', ${BENCH_GAIN}, 5, $3, 1 FROM unnest($1::text[], $2::bytea[], $4::text[]) AS t(a, k, c)`,
      [plan.hotspots.map((h) => h.key.address), plan.hotspots.map((h) => h.key.keyBinary), yesterday, plan.hotspots.map((h) => h.cell)]);
    await db.query(`INSERT INTO hotspot_assertions (address, nonce, asserted_at, location, region, gain, elevation, capability, owner_signature)
      SELECT address, 1, asserted_at, location, region, gain, elevation, 'full', '\\x00' FROM hotspots`);
    await db.query(`INSERT INTO poc_hotspot_state (address, last_witness_ms, last_beacon_with_witness_ms) SELECT address, $1, $1 FROM hotspots`, [BigInt(dayStart - 3_600_000)]);
    await db.query(`INSERT INTO entropy (data, timestamp, version, created_at) SELECT d, ts, 0, to_timestamp(ts) FROM unnest($1::bytea[], $2::int8[]) AS t(d, ts)`,
      [plan.entropies.map((e) => e.data), plan.entropies.map((e) => BigInt(e.timestamp))]);
    bar.start(plan.beacons.length + plan.witnesses.length, 0, { phase: 'loading the store' });
    for (let i = 0; i < plan.beacons.length; i += 5000) {
      const s = plan.beacons.slice(i, i + 5000);
      const p = signed.beacons.slice(i, i + 5000);
      await db.query(`INSERT INTO beacon_reports (id, received_at, hotspot, local_entropy, remote_entropy, data, frequency, channel, datarate, tx_power, hotspot_ts, tmst, payload)
        SELECT * FROM unnest($1::bytea[], $2::timestamptz[], $3::text[], $4::bytea[], $5::bytea[], $6::bytea[], $7::int8[], $8::int4[], $9::int4[], $10::int4[], $11::numeric[], $12::int8[], $13::bytea[])`,
        [p.map(reportId), s.map((b) => new Date(b.atMs)), s.map((b) => plan.hotspots[b.h]!.key.address), s.map((b) => b.local), s.map((b) => b.remote), s.map((b) => b.data),
          s.map((b) => b.frequency), s.map(() => 0), s.map((b) => b.datarate), s.map((b) => b.txPower), s.map((b) => String(b.atMs * 1_000_000)), s.map((b) => b.atMs % 4_000_000_000), p]);
      bar.update(i + s.length);
    }
    for (let i = 0; i < plan.witnesses.length; i += 5000) {
      const s = plan.witnesses.slice(i, i + 5000);
      const p = signed.witnesses.slice(i, i + 5000);
      await db.query(`INSERT INTO witness_reports (id, received_at, hotspot, data, signal, snr, frequency, datarate, hotspot_ts, tmst, payload)
        SELECT * FROM unnest($1::bytea[], $2::timestamptz[], $3::text[], $4::bytea[], $5::int4[], $6::int4[], $7::int8[], $8::int4[], $9::numeric[], $10::int8[], $11::bytea[])`,
        [p.map(reportId), s.map((w) => new Date(w.atMs)), s.map((w) => plan.hotspots[w.h]!.key.address), s.map((w) => w.data), s.map((w) => w.signal), s.map((w) => w.snr),
          s.map((w) => w.frequency), s.map((w) => w.datarate), s.map((w) => String(w.atMs * 1_000_000)), s.map((w) => w.atMs % 4_000_000_000), p]);
      bar.update(plan.beacons.length + i + s.length);
    }
    bar.stop();
    await db.query('ANALYZE');
    console.log(`  loaded the store in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    const clock = new ManualClock(dayStart + 86_400_000 + 3_600_000);
    const runner = createPocRunner({ db, clock, log: silentLogger() }, { rulesetName: values.rules!, ruleset: rules, intervalMs: 3_600_000, batchSize: Number(values.batch), staleAfterMs: 86_400_000 * 7 });
    t = performance.now();
    const progress = setInterval(() => process.stderr.write(`\r  verifying: ${runner.stats.beacons} beacons, ${runner.stats.witnesses} witnesses`), 1000);
    await runner.tick();
    clearInterval(progress);
    process.stderr.write('\n');
    const seconds = (performance.now() - t) / 1000;
    const counts = await db.query<{ b: bigint; w: bigint; wv: bigint }>(`SELECT (SELECT count(*) FROM poc_verdicts) AS b, (SELECT count(*) FROM witness_verdicts) AS w, (SELECT count(*) FROM witness_verdicts WHERE valid) AS wv`);
    const w = Number(counts.rows[0]!.w);
    const perSecond = w / seconds;
    const day400k = (plan.witnesses.length * (400_000 / plan.hotspots.length)) / perSecond;
    console.log('');
    console.log('  result                                        value');
    console.log('  --------------------------------------------  ------------');
    console.log(`  beacons / witnesses judged and stored         ${counts.rows[0]!.b} / ${w} (${counts.rows[0]!.wv} valid witnesses)`);
    console.log(`  wall time for the day (store reads + writes)  ${seconds.toFixed(1)} s`);
    console.log(`  witnesses/s with the store                    ${perSecond.toFixed(0)}`);
    console.log(`  baseline: verifier alone, in memory           ${(memWitnesses / memSeconds).toFixed(0)} witnesses/s`);
    console.log(`  a day of a 400,000-hotspot network would take ${(day400k / 60).toFixed(1)} min at this rate`);
    console.log(`  goal                                          ≥ 5000 witnesses/s → ${perSecond >= 5000 ? 'met' : 'not met'}`);
    return Number(counts.rows[0]!.b) === plan.beacons.length ? 0 : 1;
  } finally {
    await cleanup();
  }
}
