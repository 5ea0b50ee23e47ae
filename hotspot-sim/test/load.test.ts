import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HexlightError } from '@hexlight/kit';
import { decodeReport, reportIdHex, verifyBeacon, verifyReportSignature } from '@hexlight/protocol';
import {
  CorpusInvalid, corpusReport, generateCorpus, LoadOptionsInvalid, pushCorpus, readCorpus, ROUND_MS, writeCorpus, type Corpus,
} from '../src/load/index.ts';
import { MqttConnectFailed } from '../src/link.ts';
import { closedPort, countReports, OBSERVER, startNetwork, startRelay, type SimNetwork } from './network.ts';

// Load mode against the real ingest (registry API over HTTP, embedded broker, PGlite): a small
// corpus, generated in worker threads, round-tripped through a file and pushed over a few
// connections; every report must be stored exactly once.

const HOTSPOTS = 20;
const PER = 50;

let dir: string;
let corpus: Corpus;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hexlight-load-'));
  corpus = await generateCorpus({ hotspots: HOTSPOTS, perHotspot: PER, seed: 7, workers: 2 });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function payloadIds(c: Corpus): string[] {
  return Array.from({ length: c.kinds.length }, (_, r) => reportIdHex(corpusReport(c, r).payload)).sort();
}

async function codeOf(p: Promise<unknown>): Promise<{ code: string; details: Record<string, unknown> | undefined }> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(HexlightError);
  return { code: (err as HexlightError).code, details: (err as HexlightError).details };
}

describe('corpus', () => {
  it('holds N × M canonical reports signed by their hotspots: rounds of a beacon derived from the round entropy and ten witnesses of other hotspots\' beacons', () => {
    expect(corpus.kinds.length).toBe(HOTSPOTS * PER);
    expect(corpus.hotspots.map((h) => h.address)).toEqual(corpus.hotspots.map((h) => h.key.address));
    expect(new Set(corpus.hotspots.map((h) => h.address)).size).toBe(HOTSPOTS);
    const kinds = { beacon: 0, witness: 0, packet: 0 };
    const beaconData = new Map<string, string>();
    const witnessed: { beaconer: number; round: number; data: string }[] = [];
    for (let r = 0; r < corpus.kinds.length; r++) {
      const { hotspot, kind, payload } = corpusReport(corpus, r);
      const decoded = decodeReport(kind, payload);
      expect(decoded.canonical).toBe(true);
      expect(verifyReportSignature(decoded)).toBe(true);
      expect(decoded.keyBinary).toEqual(corpus.hotspots[hotspot]!.keyBinary);
      const j = r - hotspot * PER;
      const round = Math.floor(j / 11);
      expect(kind).toBe(j % 11 === 0 ? 'beacon' : 'witness');
      kinds[kind]++;
      const data = Buffer.from((decoded.report as { data: Uint8Array }).data).toString('hex');
      if (decoded.kind === 'beacon') {
        const entropy = { timestamp: Math.floor(corpus.startMs / 1000) + (round * ROUND_MS) / 1000, version: 0 };
        expect(verifyBeacon(decoded.report, entropy, corpus.region, corpus.hotspots[hotspot]!.gain)).toEqual({ ok: true });
        beaconData.set(`${hotspot}:${round}`, data);
      } else {
        witnessed.push({ beaconer: (hotspot + 1 + ((j % 11) - 1)) % HOTSPOTS, round, data });
      }
    }
    expect(kinds).toEqual({ beacon: HOTSPOTS * 5, witness: HOTSPOTS * 45, packet: 0 });
    for (const w of witnessed) expect(w.data).toBe(beaconData.get(`${w.beaconer}:${w.round}`));
  });

  it('is the same bytes for the same seed whatever the thread count, and other bytes for another seed', async () => {
    const a = join(dir, 'a.corpus');
    const b = join(dir, 'b.corpus');
    const c = join(dir, 'c.corpus');
    await writeCorpus(corpus, a);
    await writeCorpus(await generateCorpus({ hotspots: HOTSPOTS, perHotspot: PER, seed: 7, workers: 1 }), b);
    await writeCorpus(await generateCorpus({ hotspots: HOTSPOTS, perHotspot: PER, seed: 8, workers: 2 }), c);
    expect((await readFile(b)).equals(await readFile(a))).toBe(true);
    expect((await readFile(c)).equals(await readFile(a))).toBe(false);
  });

  it('round-trips through a file byte for byte', async () => {
    const first = join(dir, 'first.corpus');
    const second = join(dir, 'second.corpus');
    await writeCorpus(corpus, first);
    const read = await readCorpus(first);
    await writeCorpus(read, second);
    expect((await readFile(second)).equals(await readFile(first))).toBe(true);
    expect(read.hotspots.map((h) => [h.address, h.location, h.gain, h.elevation, h.owner.address]))
      .toEqual(corpus.hotspots.map((h) => [h.address, h.location, h.gain, h.elevation, h.owner.address]));
    expect(read.hotspots[3]!.key.address).toBe(corpus.hotspots[3]!.address);
    expect(payloadIds(read)).toEqual(payloadIds(corpus));
  });

  it('refuses a truncated, altered, foreign or missing file with SIM_CORPUS_INVALID', async () => {
    const good = join(dir, 'good.corpus');
    await writeCorpus(corpus, good);
    const bytes = await readFile(good);

    const short = join(dir, 'short.corpus');
    await writeFile(short, bytes);
    await truncate(short, bytes.length - 1000);
    expect(await codeOf(readCorpus(short))).toMatchObject({ code: CorpusInvalid.code, details: { reason: 'truncated' } });

    const headerOnly = join(dir, 'header-only.corpus');
    await writeFile(headerOnly, bytes.subarray(0, 20));
    expect(await codeOf(readCorpus(headerOnly))).toMatchObject({ code: CorpusInvalid.code, details: { reason: 'truncated' } });

    const altered = join(dir, 'altered.corpus');
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 500]! ^= 0x01;
    await writeFile(altered, flipped);
    expect(await codeOf(readCorpus(altered))).toMatchObject({ code: CorpusInvalid.code, details: { reason: 'corrupted' } });

    const longer = join(dir, 'longer.corpus');
    await writeFile(longer, Buffer.concat([bytes, Buffer.from('x')]));
    expect(await codeOf(readCorpus(longer))).toMatchObject({ code: CorpusInvalid.code, details: { reason: 'corrupted' } });

    const foreign = join(dir, 'foreign.json');
    await writeFile(foreign, '{"hotspots": []}\n');
    expect(await codeOf(readCorpus(foreign))).toMatchObject({ code: CorpusInvalid.code, details: { reason: 'not_a_corpus' } });

    const empty = join(dir, 'empty.corpus');
    await writeFile(empty, '');
    expect(await codeOf(readCorpus(empty))).toMatchObject({ code: CorpusInvalid.code, details: { reason: 'not_a_corpus' } });

    expect(await codeOf(readCorpus(join(dir, 'missing.corpus')))).toMatchObject({ code: CorpusInvalid.code, details: { reason: 'unreadable' } });
  });

  it('refuses impossible options with SIM_LOAD_OPTIONS_INVALID', async () => {
    expect((await codeOf(generateCorpus({ hotspots: 0, perHotspot: 1 }))).code).toBe(LoadOptionsInvalid.code);
    expect((await codeOf(generateCorpus({ hotspots: 1, perHotspot: 1.5 }))).code).toBe(LoadOptionsInvalid.code);
    expect((await codeOf(generateCorpus({ hotspots: 100_000, perHotspot: 100 }))).code).toBe(LoadOptionsInvalid.code);
    expect((await codeOf(pushCorpus(corpus, { mqttUrl: 'http://127.0.0.1:1883' }))).code).toBe(LoadOptionsInvalid.code);
    expect((await codeOf(pushCorpus(corpus, { mqttUrl: 'mqtt://127.0.0.1:1883', window: 0 }))).code).toBe(LoadOptionsInvalid.code);
  });
});

describe('pushCorpus against the real ingest', () => {
  let network: SimNetwork;

  beforeAll(async () => {
    network = await startNetwork();
  });

  afterAll(async () => {
    await network.close();
  });

  it('onboards and asserts through the API, publishes as the hotspots over fewer connections, and every report is stored exactly once', async () => {
    const file = join(dir, 'push.corpus');
    await writeCorpus(corpus, file);
    const replay = await readCorpus(file);
    const phases = new Set<string>();
    let maxInFlight = 0;
    const result = await pushCorpus(replay, {
      apiUrl: network.apiUrl, mqttUrl: network.mqttUrl, connections: 5, window: 8, progressIntervalMs: 20,
      onProgress: (p) => {
        phases.add(p.phase);
        if (p.phase === 'publishing') maxInFlight = Math.max(maxInFlight, p.inFlight);
      },
    });
    expect(result).toMatchObject({
      reports: HOTSPOTS * PER, connections: 5, published: HOTSPOTS * PER, acked: HOTSPOTS * PER, errors: 0, rejected: 0,
      onboarded: { created: HOTSPOTS, existing: 0 },
    });
    expect(result.sustainedPerS).toBeGreaterThan(0);
    expect(result.latencyMs.p99).toBeGreaterThanOrEqual(result.latencyMs.p50);
    expect([...phases]).toEqual(['onboarding', 'connecting', 'publishing']);
    expect(maxInFlight).toBeLessThanOrEqual(5 * 8);

    expect(await countReports(network.db)).toEqual({ beacons: HOTSPOTS * 5, witnesses: HOTSPOTS * 45 });
    const stored = await network.db.query<{ payload: Uint8Array }>(`SELECT payload FROM beacon_reports UNION ALL SELECT payload FROM witness_reports`);
    expect(stored.rows.map((r) => reportIdHex(r.payload)).sort()).toEqual(payloadIds(corpus));
    const status = network.ingest.status();
    expect(Object.values(status.refused).reduce((a, b) => a + b, 0)).toBe(0);
    expect(status.duplicates).toBe(0);

    for (const h of corpus.hotspots) {
      expect(await network.ingest.registry.get(h.address)).toMatchObject({
        owner: h.owner.address, location: h.location, region: corpus.region, gain: h.gain, elevation: h.elevation,
      });
    }
  });

  it('as a service user on long-lived connections, a second push of the same corpus is acknowledged and stored nowhere again', async () => {
    const url = new URL(network.mqttUrl);
    url.username = OBSERVER.username;
    url.password = OBSERVER.password;
    const before = network.ingest.status().duplicates;
    const result = await pushCorpus(corpus, { mqttUrl: url.toString(), connections: 3, window: 16 });
    expect(result).toMatchObject({ connections: 3, acked: HOTSPOTS * PER, errors: 0, rejected: 0 });
    expect(result.onboarded).toBeUndefined();
    expect(await countReports(network.db)).toEqual({ beacons: HOTSPOTS * 5, witnesses: HOTSPOTS * 45 });
    expect(network.ingest.status().duplicates - before).toBe(HOTSPOTS * PER);
  });

  it('counts refusals the ingest answers on the rejected topic', async () => {
    // Another seed's hotspots, onboarded, but each report moved to the next hotspot's connection: key_mismatch.
    const other = await generateCorpus({ hotspots: 3, perHotspot: 4, seed: 99, workers: 1 });
    const swapped: Corpus = { ...other, hotspots: other.hotspots.map((_, i) => other.hotspots[(i + 1) % 3]!) };
    const result = await pushCorpus(swapped, { apiUrl: network.apiUrl, mqttUrl: network.mqttUrl });
    expect(result).toMatchObject({ acked: 12, errors: 0, rejected: 12, rejections: { key_mismatch: 12 } });
  });

  it('counts the reports of dropped connections as errors and goes on with the next hotspots; every acknowledged report is stored', async () => {
    const fresh = await generateCorpus({ hotspots: 10, perHotspot: 300, seed: 4242, workers: 2 });
    const relay = await startRelay(network.mqttPort);
    const before = await countReports(network.db);
    let cut = false;
    try {
      const result = await pushCorpus(fresh, {
        apiUrl: network.apiUrl, mqttUrl: relay.url, connections: 5, window: 4, progressIntervalMs: 10,
        onProgress: (p) => {
          if (!cut && p.phase === 'publishing' && p.acked >= 100) {
            cut = true;
            relay.cut();
          }
        },
      });
      expect(cut).toBe(true);
      expect(result.errors).toBeGreaterThan(0);
      expect(result.acked + result.errors).toBe(3_000);
      // The hotspots after the cut reconnect and publish everything.
      expect(result.acked).toBeGreaterThan(5 * 300);
      const after = await countReports(network.db);
      const stored = after.beacons + after.witnesses - before.beacons - before.witnesses;
      // A report whose PUBACK the cut lost may be stored too.
      expect(stored).toBeGreaterThanOrEqual(result.acked);
      expect(stored).toBeLessThanOrEqual(result.acked + result.errors);
    } finally {
      await relay.close();
    }
  });

  it('fails with SIM_MQTT_CONNECT_FAILED when the hotspots are not onboarded or nothing listens', async () => {
    const stranger = await generateCorpus({ hotspots: 2, perHotspot: 1, seed: 1234, workers: 1 });
    const refused = await codeOf(pushCorpus(stranger, { mqttUrl: network.mqttUrl }));
    expect(refused).toMatchObject({ code: MqttConnectFailed.code });
    expect(stranger.hotspots.map((h) => h.address)).toContain(refused.details?.address);
    const port = await closedPort();
    expect((await codeOf(pushCorpus(stranger, { mqttUrl: `mqtt://127.0.0.1:${port}` }))).code).toBe(MqttConnectFailed.code);
  });
});
