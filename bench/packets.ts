// `npm run bench -- packets`: a pre-signed corpus of packet reports (each device uplink heard by
// several hotspots, organisations with DevAddr ranges, DC balances and multi-buy settings, copies
// beyond multi-buy, a few organisations running out of DC, some join requests) published at QoS 1
// over one authenticated connection per hotspot through the real ingest (embedded broker, verify
// workers, routing, the metering transaction, PUBACK after commit). Then the baseline, in the same
// run: the same copies through the metering transaction alone (no MQTT, no signature checks) on a
// fresh store. Both end with the DC books checked: Σ burns = Σ copies' DC = Σ hotspot shares = Σ
// balance decrease, and every rich organisation bought exactly min(copies, multi_buy) per frame.
import { parseArgs } from 'node:util';
import { availableParallelism } from 'node:os';
import cliProgress from 'cli-progress';
import { silentLogger, startTsWorker, systemClock } from '@hexlight/kit';
import { dataRateValue, dcForPayload, encodeDataUplink, encodeJoinRequest, helium, hotspotKeyFromSeed } from '@hexlight/protocol';
import { BatchWriter, checkReport, createIngest, loadIngestConfig, newPacketCounters, packetMeter, type IngestConfig, type RoutedPacket } from '@hexlight/ingest';
import { CORPUS_KINDS, CorpusHotspot, createRng, pushCorpus, type Corpus, type PushResult } from '@hexlight/hotspot-sim';
import type { Db } from '@hexlight/store';
import { benchSeed } from './keys.ts';
import { benchDatabaseUrl, openBenchStore } from './store.ts';
import type { PacketSignJob, PacketSignMessage } from './packets-sign.ts';

const SALT = 61;
const JOIN_EUI = '70b3d57ed0000001';
const DEVICES_PER_ORG = 50;
const START_MS = Date.UTC(2025, 0, 1);

interface Org {
  id: string;
  start: number;
  end: number;
  multiBuy: number;
  balance: bigint;
  poor: boolean;
  /** DC it would spend buying min(copies, multi_buy) of each of its uplinks. */
  wants: bigint;
  /** Copies it would buy with enough DC (= what a rich organisation buys). */
  wantsCopies: number;
}

interface Plan {
  orgs: Org[];
  devEuis: string[][];
  /** Per uplink: its organisation and its PHYPayload. */
  uplinkOrg: Uint16Array;
  phyOffsets: Uint32Array;
  phys: Uint8Array;
  joins: number;
  /** Corpus layout: hotspot h publishes reports [firstReport[h], firstReport[h + 1]). */
  firstReport: Uint32Array;
  uplink: Uint32Array;
  rssi: Int16Array;
  snr: Float32Array;
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      hotspots: { type: 'string', default: '1000' },
      uplinks: { type: 'string', default: '40000' },
      orgs: { type: 'string', default: '20' },
      poor: { type: 'string', default: '3' },
      'max-copies': { type: 'string', default: '8' },
      joins: { type: 'string', default: '0.01' },
      window: { type: 'string', default: '4' },
      store: { type: 'string' },
      workers: { type: 'string' },
      seed: { type: 'string', default: '1' },
      'no-baseline': { type: 'boolean', default: false },
    },
  });
  const hotspots = Number(values.hotspots);
  const uplinks = Number(values.uplinks);
  const orgCount = Number(values.orgs);
  const poor = Number(values.poor);
  const maxCopies = Number(values['max-copies']);
  const joinShare = Number(values.joins);
  const window = Number(values.window);
  const seed = Number(values.seed);
  for (const [name, v, min] of [['hotspots', hotspots, 1], ['uplinks', uplinks, 1], ['orgs', orgCount, 1], ['poor', poor, 0], ['max-copies', maxCopies, 1], ['window', window, 1]] as const) {
    if (!Number.isInteger(v) || v < min) {
      console.error(`--${name} must be an integer ≥ ${min}`);
      return 2;
    }
  }
  if (poor > orgCount || maxCopies > hotspots || !(joinShare >= 0 && joinShare < 1)) {
    console.error('--poor must not exceed --orgs, --max-copies must not exceed --hotspots, --joins must be in [0, 1)');
    return 2;
  }
  const pgUrl = benchDatabaseUrl();
  const storeKind = values.store ?? (pgUrl ? 'pg' : 'pglite');

  const plan = makePlan({ hotspots, uplinks, orgs: orgCount, poor, maxCopies, joinShare, seed });
  const total = plan.uplink.length;
  console.log(
    `bench packets: ${uplinks.toLocaleString()} device frames (${plan.joins} joins) heard by 1–${maxCopies} of ${hotspots} hotspots = ${total.toLocaleString()} pre-signed packet reports;` +
    ` ${orgCount} organisations (multi-buy 1–4, ${poor} with too few DC), QoS 1, window ${window}/connection, store ${storeKind}`,
  );

  const bar = new cliProgress.SingleBar({ format: '  {phase} [{bar}] {value}/{total} {rate}', hideCursor: true }, cliProgress.Presets.shades_classic);
  bar.start(total, 0, { phase: 'signing corpus', rate: '' });
  const corpus = await signCorpus(plan, hotspots, (n) => bar.update(n));
  bar.update(total);
  bar.stop();

  // 1. The real ingest over MQTT.
  const live = await openBenchStore(storeKind, 'packets');
  await seedStore(live.db, plan, corpus);
  const env = { ...process.env, INGEST_MQTT_PORT: '0', INGEST_MQTT_HOST: '127.0.0.1', ...(values.workers ? { INGEST_VERIFY_WORKERS: values.workers } : {}) };
  const config = loadIngestConfig(env, { dbKind: live.db.kind });
  const ingest = createIngest({ db: live.db, clock: systemClock, log: silentLogger() }, config);
  await ingest.start();
  bar.start(total, 0, { phase: 'hexlight ingest: connecting', rate: '' });
  let pushed: PushResult;
  try {
    pushed = await pushCorpus(corpus, {
      mqttUrl: `mqtt://127.0.0.1:${ingest.status().mqttPort}`, connections: hotspots, window, qos: 1,
      onProgress: (p) => {
        if (p.phase === 'connecting') bar.update(0, { phase: `hexlight ingest: ${p.done} connections` });
        if (p.phase === 'publishing') bar.update(p.acked, { phase: 'hexlight ingest', rate: `${Math.round(p.ratePerS)}/s` });
      },
    });
  } finally {
    bar.update(total);
    bar.stop();
  }
  const status = ingest.status();
  await ingest.stop();
  const liveBooks = await books(live.db, plan);
  await live.cleanup();

  // 2. Baseline: the same copies through the metering transaction alone.
  let baseline: { perSecond: number; books: Books } | null = null;
  if (!values['no-baseline']) {
    const base = await openBenchStore(storeKind, 'packets_base');
    try {
      await seedStore(base.db, plan, corpus);
      const perSecond = await meterAlone(base.db, plan, corpus, config, bar);
      baseline = { perSecond, books: await books(base.db, plan) };
    } finally {
      await base.cleanup();
    }
  }

  const refused = Object.values(status.refused).reduce((a, b) => a + b, 0);
  console.log('');
  console.log('  result                                        value');
  console.log('  --------------------------------------------  ------------');
  console.log(`  reports published / PUBACKed                  ${pushed.published} / ${pushed.acked} (${pushed.errors} errors, ${refused} refused${refused ? ` ${JSON.stringify(status.refused)}` : ''})`);
  console.log(`  copies stored / bought / not bought           ${liveBooks.copies} / ${liveBooks.bought} / ${liveBooks.copies - liveBooks.bought} ${JSON.stringify(liveBooks.reasons)}`);
  console.log(`  dedup groups (= frames)                       ${liveBooks.groups} (${uplinks} frames)`);
  console.log(`  metered packets/s, whole run                  ${(pushed.acked / pushed.seconds).toFixed(0)}`);
  console.log(`  metered packets/s, sustained (10–90 %)        ${pushed.sustainedPerS.toFixed(0)}`);
  console.log(`  PUBACK latency p50 / p99                      ${pushed.latencyMs.p50.toFixed(1)} ms / ${pushed.latencyMs.p99.toFixed(1)} ms`);
  console.log(`  DC burned                                     ${liveBooks.burned}  (organisations disabled: ${liveBooks.disabled.join(', ') || 'none'})`);
  console.log(`  books: burns = copies = shares = Δ balances   ${liveBooks.burned} = ${liveBooks.copiesDc} = ${liveBooks.sharesDc} = ${liveBooks.spent} → ${liveBooks.balanced ? 'ok' : 'MISMATCH'}`);
  console.log(`  rich orgs bought min(copies, multi_buy)       ${liveBooks.richExact ? 'ok' : `MISMATCH ${liveBooks.richDetail}`}`);
  console.log(`  verify workers / store / dedup window         ${config.verifyWorkers} / ${storeKind} / ${config.packets.dedupWindowMs} ms`);
  if (baseline) {
    console.log(`  baseline: metering transaction alone          ${baseline.perSecond.toFixed(0)} packets/s (books ${baseline.books.balanced && baseline.books.richExact ? 'ok' : 'MISMATCH'}, DC burned ${baseline.books.burned})`);
    console.log(`  ratio ingest / metering alone                 ${(pushed.sustainedPerS / baseline.perSecond).toFixed(2)}`);
  }
  console.log(`  goal                                          ≥ 5000 metered packets/s → ${pushed.sustainedPerS >= 5000 ? 'met' : 'not met'}`);
  const ok = pushed.acked === total && refused === 0 && liveBooks.copies === total && liveBooks.balanced && liveBooks.richExact && liveBooks.groups === uplinks
    && (!baseline || (baseline.books.balanced && baseline.books.richExact));
  return ok ? 0 : 1;
}

function makePlan(o: { hotspots: number; uplinks: number; orgs: number; poor: number; maxCopies: number; joinShare: number; seed: number }): Plan {
  const rng = createRng(o.seed).fork('bench-packets');
  const orgs: Org[] = Array.from({ length: o.orgs }, (_, i) => {
    const start = 0x4800_0000 + i * 0x1_0000;
    return { id: `org_${i.toString(16).padStart(16, '0')}`, start, end: start + 0xffff, multiBuy: 1 + (i % 4), balance: 0n, poor: i >= o.orgs - o.poor, wants: 0n, wantsCopies: 0 };
  });
  const devEuis = orgs.map((_, i) => Array.from({ length: DEVICES_PER_ORG }, (_, d) => (0x0004_a30b_0000_0000n + BigInt(i * 1000 + d)).toString(16).padStart(16, '0')));
  const fcnt = orgs.map(() => new Uint32Array(DEVICES_PER_ORG));
  const uplinkOrg = new Uint16Array(o.uplinks);
  const phyList: Uint8Array[] = [];
  const heardBy: number[][] = Array.from({ length: o.hotspots }, () => []);
  let joins = 0;
  for (let u = 0; u < o.uplinks; u++) {
    const i = rng.int(o.orgs);
    const d = rng.int(DEVICES_PER_ORG);
    const org = orgs[i]!;
    const join = rng.next() < o.joinShare;
    const phy = join
      ? encodeJoinRequest({ joinEui: JOIN_EUI, devEui: devEuis[i]![d]!, devNonce: rng.int(0x1_0000) })
      : encodeDataUplink({ devAddr: org.start + d, fcnt: fcnt[i]![d]!++, fport: 1 + rng.int(200), payload: rng.bytes(1 + rng.int(60)) });
    if (join) joins++;
    uplinkOrg[u] = i;
    phyList.push(phy);
    const copies = 1 + rng.int(o.maxCopies);
    const picked = new Set<number>();
    while (picked.size < copies) picked.add(rng.int(o.hotspots));
    for (const h of picked) heardBy[h]!.push(u);
    if (!join) {
      org.wants += BigInt(Math.min(copies, org.multiBuy) * dcForPayload(phy.byteLength));
      org.wantsCopies += Math.min(copies, org.multiBuy);
    }
  }
  // Rich organisations can pay ten times what they will spend; poor ones a third of it.
  for (const org of orgs) org.balance = org.poor ? org.wants / 3n : org.wants * 10n + 1000n;

  const phyOffsets = new Uint32Array(o.uplinks + 1);
  let at = 0;
  phyList.forEach((p, u) => {
    phyOffsets[u] = at;
    at += p.byteLength;
  });
  phyOffsets[o.uplinks] = at;
  const phys = new Uint8Array(at);
  phyList.forEach((p, u) => phys.set(p, phyOffsets[u]!));

  const total = heardBy.reduce((a, l) => a + l.length, 0);
  const firstReport = new Uint32Array(o.hotspots + 1);
  const uplink = new Uint32Array(total);
  const rssi = new Int16Array(total);
  const snr = new Float32Array(total);
  let r = 0;
  heardBy.forEach((list, h) => {
    firstReport[h] = r;
    for (const u of list) {
      uplink[r] = u;
      rssi[r] = -130 + rng.int(90);
      snr[r] = Math.round((-15 + rng.next() * 25) * 4) / 4;
      r++;
    }
  });
  firstReport[o.hotspots] = r;
  return { orgs, devEuis, uplinkOrg, phyOffsets, phys, joins, firstReport, uplink, rssi, snr };
}

async function signCorpus(plan: Plan, hotspots: number, onProgress: (signed: number) => void): Promise<Corpus> {
  const seeds = Array.from({ length: hotspots }, (_, h) => benchSeed(h, SALT));
  const threads = Math.min(hotspots, availableParallelism());
  const ranges = Array.from({ length: threads }, (_, w) => ({ from: Math.floor((w * hotspots) / threads), to: Math.floor(((w + 1) * hotspots) / threads) }));
  const signed = new Array<number>(threads).fill(0);
  const parts = await Promise.all(ranges.map(({ from, to }, w) => new Promise<Extract<PacketSignMessage, { type: 'done' }>>((resolve, reject) => {
    const job: PacketSignJob = {
      from, to, seeds, firstReport: plan.firstReport, uplink: plan.uplink, rssi: plan.rssi, snr: plan.snr, phyOffsets: plan.phyOffsets, phys: plan.phys,
      frequency: 868_100_000, datarate: dataRateValue('SF7BW125')!, region: (helium.region as unknown as Record<string, number>).EU868!, startMs: START_MS,
    };
    const worker = startTsWorker(new URL('./packets-sign.ts', import.meta.url), { workerData: job });
    worker.on('message', (m: PacketSignMessage) => {
      if (m.type === 'progress') {
        signed[w] = m.signed;
        onProgress(signed.reduce((a, b) => a + b, 0));
      } else {
        resolve(m);
        void worker.terminate();
      }
    });
    worker.once('error', reject);
  })));
  const total = plan.uplink.length;
  const offsets = new Uint32Array(total + 1);
  const payloads = new Uint8Array(parts.reduce((a, p) => a + p.payloads.byteLength, 0));
  let r = 0;
  let at = 0;
  for (const part of parts) {
    payloads.set(part.payloads, at);
    for (const len of part.lengths) {
      offsets[r++] = at;
      at += len;
    }
  }
  offsets[total] = at;
  const hotspotList = seeds.map((s, h) => new CorpusHotspot(h, s, benchSeed(h, SALT + 1), hotspotKeyFromSeed(s).keyBinary, '8c393362a0a01ff', 0, 0));
  return {
    seed: 0, startMs: START_MS, witnessesPerBeacon: 0, city: 'bench', region: 'EU868', hotspots: hotspotList,
    firstReport: plan.firstReport, kinds: new Uint8Array(total).fill(CORPUS_KINDS.indexOf('packet')), offsets, payloads,
  };
}

/** Hotspots, organisations with their grants, ranges and devices, as the registry and accounts side would have them. */
async function seedStore(db: Db, plan: Plan, corpus: Corpus): Promise<void> {
  await db.query(
    `INSERT INTO hotspots (address, key_binary, owner, onboarded_at) SELECT a, k, 'bench', now() FROM unnest($1::text[], $2::bytea[]) AS t(a, k)`,
    [corpus.hotspots.map((h) => h.address), corpus.hotspots.map((h) => h.keyBinary)],
  );
  const o = plan.orgs;
  await db.query(
    `INSERT INTO organisations (id, name, created_at, multi_buy, dc_balance) SELECT i, i, now(), m, b FROM unnest($1::text[], $2::int4[], $3::int8[]) AS t(i, m, b)`,
    [o.map((x) => x.id), o.map((x) => x.multiBuy), o.map((x) => x.balance.toString())],
  );
  await db.query(
    `INSERT INTO dc_ledger (org_id, at, kind, amount, balance_after, ref) SELECT i, now(), 'grant', b, b, 'bench' FROM unnest($1::text[], $2::int8[]) AS t(i, b) WHERE b > 0`,
    [o.map((x) => x.id), o.map((x) => x.balance.toString())],
  );
  await db.query(
    `INSERT INTO devaddr_ranges (org_id, start_addr, end_addr, created_at) SELECT i, s, e, now() FROM unnest($1::text[], $2::int8[], $3::int8[]) AS t(i, s, e)`,
    [o.map((x) => x.id), o.map((x) => x.start), o.map((x) => x.end)],
  );
  const devOrg: string[] = [];
  const devEui: string[] = [];
  const devAddr: number[] = [];
  plan.devEuis.forEach((list, i) => list.forEach((eui, d) => {
    devOrg.push(o[i]!.id);
    devEui.push(eui);
    devAddr.push(o[i]!.start + d);
  }));
  await db.query(
    `INSERT INTO devices (dev_eui, org_id, join_eui, dev_addr, created_at) SELECT e, i, $4, a, now() FROM unnest($1::text[], $2::text[], $3::int8[]) AS t(e, i, a)`,
    [devEui, devOrg, devAddr, JOIN_EUI],
  );
}

/**
 * The baseline: every copy of the corpus, decoded and routed beforehand, through the metering
 * writer (same batch settings as the ingest) with no broker and no signature check in the timing.
 * Copies are handed over round-robin across hotspots, as parallel connections deliver them.
 */
async function meterAlone(db: Db, plan: Plan, corpus: Corpus, config: IngestConfig, bar: cliProgress.SingleBar): Promise<number> {
  const total = plan.uplink.length;
  const order: number[] = [];
  for (let pos = 0; order.length < total; pos++) {
    for (let h = 0; h < corpus.hotspots.length; h++) {
      const r = plan.firstReport[h]! + pos;
      if (r < plan.firstReport[h + 1]!) order.push(r);
    }
  }
  bar.start(total, 0, { phase: 'baseline: decoding', rate: '' });
  const hotspotOf = new Uint32Array(total);
  corpus.hotspots.forEach((_, h) => hotspotOf.fill(h, plan.firstReport[h]!, plan.firstReport[h + 1]!));
  const records: RoutedPacket[] = order.map((r, i) => {
    const h = corpus.hotspots[hotspotOf[r]!]!;
    const checked = checkReport('packet', corpus.payloads.subarray(corpus.offsets[r]!, corpus.offsets[r + 1]!), h.address, h.keyBinary);
    if (!checked.ok || checked.record.kind !== 'packet') throw new Error(`corpus report ${r} does not check: ${checked.ok ? checked.record.kind : checked.reason}`);
    if (i % 5000 === 0) bar.update(i);
    return { ...checked.record, orgId: plan.orgs[plan.uplinkOrg[plan.uplink[r]!]!]!.id };
  });
  bar.update(total);
  bar.stop();

  const counters = newPacketCounters();
  const writer = new BatchWriter<RoutedPacket>(db, { ...config.writer, concurrency: config.packets.writeConcurrency }, silentLogger(),
    packetMeter({ dedupWindowMs: config.packets.dedupWindowMs }, systemClock, counters));
  const doneAt = new Float64Array(total);
  let done = 0;
  bar.start(total, 0, { phase: 'baseline: metering alone', rate: '' });
  const t0 = performance.now();
  const t0Ms = Date.now();
  const writes: Promise<unknown>[] = [];
  for (let i = 0; i < total; i++) {
    await writer.admit();
    // Five copies per ms of receive time: the pace of the live run.
    writes.push(writer.write(records[i]!, t0Ms + Math.floor(i / 5)).then(() => {
      doneAt[done++] = performance.now();
      if (done % 2000 === 0) bar.update(done, { rate: `${Math.round(done / ((performance.now() - t0) / 1000))}/s` });
    }));
  }
  await Promise.all(writes);
  await writer.close();
  bar.update(total);
  bar.stop();
  const lo = doneAt[Math.floor(total * 0.1)]!;
  const hi = doneAt[Math.floor(total * 0.9)]!;
  return hi > lo ? (Math.floor(total * 0.9) - Math.floor(total * 0.1)) / ((hi - lo) / 1000) : total / ((performance.now() - t0) / 1000);
}

interface Books {
  copies: number;
  bought: number;
  reasons: Record<string, number>;
  groups: number;
  burned: bigint;
  copiesDc: bigint;
  sharesDc: bigint;
  spent: bigint;
  balanced: boolean;
  richExact: boolean;
  richDetail: string;
  disabled: string[];
}

async function books(db: Db, plan: Plan): Promise<Books> {
  const copies = await db.query<{ reason: string | null; n: bigint }>(`SELECT reason, count(*) AS n FROM packet_reports GROUP BY reason`);
  const reasons: Record<string, number> = {};
  let stored = 0;
  let bought = 0;
  for (const r of copies.rows) {
    stored += Number(r.n);
    if (r.reason === null) bought += Number(r.n);
    else reasons[r.reason] = Number(r.n);
  }
  const sums = await db.query<{ burned: string; copies: string; shares: string; granted: string; balances: string; groups: bigint }>(
    `SELECT (SELECT coalesce(-sum(amount), 0)::text FROM dc_ledger WHERE kind = 'burn') AS burned,
            (SELECT coalesce(sum(dc), 0)::text FROM packet_reports) AS copies,
            (SELECT coalesce(sum(dc), 0)::text FROM data_transfer_shares) AS shares,
            (SELECT coalesce(sum(amount), 0)::text FROM dc_ledger WHERE kind = 'grant') AS granted,
            (SELECT coalesce(sum(dc_balance), 0)::text FROM organisations) AS balances,
            (SELECT count(*) FROM packet_groups) AS groups`,
  );
  const s = sums.rows[0]!;
  const burned = BigInt(s.burned);
  const spent = BigInt(s.granted) - BigInt(s.balances);
  const perOrg = await db.query<{ org_id: string; n: bigint }>(`SELECT org_id, count(*) FILTER (WHERE bought) AS n FROM packet_reports GROUP BY org_id`);
  const boughtBy = new Map(perOrg.rows.map((r) => [r.org_id, Number(r.n)]));
  const wrong = plan.orgs.filter((o) => !o.poor && (boughtBy.get(o.id) ?? 0) !== o.wantsCopies);
  const disabled = await db.query<{ id: string }>(`SELECT id FROM organisations WHERE disabled AND disabled_reason = 'insufficient_balance' ORDER BY id`);
  return {
    copies: stored, bought, reasons, groups: Number(s.groups), burned, copiesDc: BigInt(s.copies), sharesDc: BigInt(s.shares), spent,
    balanced: burned === BigInt(s.copies) && burned === BigInt(s.shares) && burned === spent,
    richExact: wrong.length === 0, richDetail: wrong.map((o) => `${o.id}: ${boughtBy.get(o.id) ?? 0} ≠ ${o.wantsCopies}`).join(', '),
    disabled: disabled.rows.map((r) => r.id),
  };
}
