// `hexlight sim score` end to end: a small network on the real ingest and PoC service (MQTT
// publish → ingest → embedded store on disk), a ground-truth file naming one cheater, and the
// score from each source: a replay input file, the admin export route of the running network,
// and the store itself once the network has stopped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as h3 from 'h3-js';
import mqtt, { type MqttClient } from 'mqtt';
import type { FastifyInstance } from 'fastify';
import { buildHttpApp, ManualClock, silentLogger } from '@hexlight/kit';
import { migrate, openDb, type Db } from '@hexlight/store';
import {
  decodeEntropy, deriveBeacon, encodeSignedReport, ENTROPY_TOPIC, generateHotspotKey, generateSolanaWallet, hotspotTopic,
  makeConnectPassword, signEd25519, type EntropyReport, type HotspotKey, type SolanaWallet,
} from '@hexlight/protocol';
import { assertMessage, createIngest, loadIngestConfig, onboardMessage, type Ingest } from '@hexlight/ingest';
import { createPoc, exportReplayEvents, loadPocConfig, randomEntropySource, type Poc } from '@hexlight/poc';
import type { ScoreResult } from '@hexlight/hotspot-sim';
import { runScore } from '../src/commands/sim-score.ts';

const H = 3_600_000;
const START = Date.UTC(2026, 0, 5, 0, 0, 0);
const END = START + 18 * H; // three 6-h windows: the first is the warm-up

interface Spot { name: string; lat: number; lng: number; behaviour: string; cheater: boolean; online: boolean; txPowerBiasDb: number }
const SPOTS: Spot[] = [
  { name: 'A', lat: 38.72, lng: -9.14, behaviour: 'honest', cheater: false, online: true, txPowerBiasDb: 0 },
  { name: 'B', lat: 38.735, lng: -9.14, behaviour: 'honest', cheater: false, online: true, txPowerBiasDb: 0 },
  { name: 'C', lat: 38.72, lng: -9.12, behaviour: 'honest', cheater: false, online: true, txPowerBiasDb: 0 },
  // Claims 10 dB more transmit power than its region allows with its antenna: only `hexlight` checks.
  { name: 'X', lat: 38.735, lng: -9.12, behaviour: 'rssi_forger', cheater: true, online: true, txPowerBiasDb: 10 },
  { name: 'O', lat: 38.70, lng: -9.14, behaviour: 'offline', cheater: false, online: false, txPowerBiasDb: 0 },
];

describe('hexlight sim score', () => {
  const clock = new ManualClock(START);
  let dir = '';
  let db: Db | undefined;
  let ingest: Ingest | undefined;
  let poc: Poc | undefined;
  let app: FastifyInstance | undefined;
  let api = '';
  let truthPath = '';
  let eventsPath = '';
  const nodes: (Spot & { key: HotspotKey; wallet: SolanaWallet; cell: string; client?: MqttClient; entropy?: EntropyReport })[] = [];

  async function score(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const code = await runScore(args, { env, stdout: (t) => (out += t), stderr: (t) => (err += t) });
    return { code, out, err };
  }

  async function waitForEntropy(ts: number): Promise<void> {
    const online = nodes.filter((n) => n.client);
    const deadline = Date.now() + 5000;
    while (online.some((n) => n.entropy?.timestamp !== ts) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(online.every((n) => n.entropy?.timestamp === ts)).toBe(true);
  }

  /** `b` beacons on fresh entropy; every other connected hotspot witnesses it 200 ms later. */
  async function round(b: (typeof nodes)[number]): Promise<void> {
    await poc!.rotateEntropy();
    await waitForEntropy(Math.floor(clock.now() / 1000));
    clock.advance(5_000);
    const entropy = b.entropy!;
    const local = Buffer.from([7, 7, 7, nodes.indexOf(b)]);
    const derived = deriveBeacon({ remoteEntropy: entropy, localEntropy: local, region: 'EU868', gain: 30 });
    const { payload } = encodeSignedReport('beacon', {
      pubKey: b.key.keyBinary, localEntropy: local, remoteEntropy: entropy.data, data: derived.data, frequency: derived.frequency,
      channel: 0, datarate: derived.datarateValue, txPower: derived.conductedPower + b.txPowerBiasDb, timestamp: BigInt(clock.now()) * 1_000_000n, tmst: 1000,
    }, b.key.privateKey);
    await b.client!.publishAsync(hotspotTopic(b.key.address, 'beacon'), Buffer.from(payload), { qos: 1 });
    clock.advance(200);
    for (const [i, w] of nodes.entries()) {
      if (w === b || !w.client) continue;
      const report = encodeSignedReport('witness', {
        pubKey: w.key.keyBinary, data: derived.data, timestamp: BigInt(clock.now()) * 1_000_000n, tmst: 5000 + i,
        signal: -1100 - 7 * i, snr: 50 - i, frequency: derived.frequency, datarate: derived.datarateValue,
      }, w.key.privateKey);
      await w.client.publishAsync(hotspotTopic(w.key.address, 'witness'), Buffer.from(report.payload), { qos: 1 });
    }
    clock.advance(60_000);
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hexlight-score-'));
    db = await openDb({ dataDir: join(dir, 'pglite'), log: silentLogger() });
    await migrate(db, { log: silentLogger() });
    ingest = createIngest({ db, clock, log: silentLogger() }, loadIngestConfig({ INGEST_MQTT_PORT: '0', INGEST_MQTT_HOST: '127.0.0.1', INGEST_VERIFY_WORKERS: '0', INGEST_BATCH_DELAY_MS: '1' }, { dbKind: db.kind }));
    await ingest.start();
    poc = createPoc({ db, clock, log: silentLogger(), entropySource: randomEntropySource, publish: (t, p, o) => ingest!.publish(t, p, o) },
      loadPocConfig({ ENTROPY_INTERVAL_S: '3600', POC_VERIFY_INTERVAL_S: '3600', ADMIN_TOKEN: 'admin-secret-0123456789abcdef' }));
    await poc.start();
    app = await buildHttpApp({ title: 'test', logger: false, plugins: [ingest.routes, poc.routes] });
    api = await app.listen({ host: '127.0.0.1', port: 0 });

    for (const spot of SPOTS) {
      const key = generateHotspotKey();
      const wallet = generateSolanaWallet();
      const cell = h3.latLngToCell(spot.lat, spot.lng, 12);
      const ts = Math.floor(clock.now() / 1000);
      const msg = onboardMessage(key.address, wallet.address, ts);
      const res = await app.inject({ method: 'POST', url: '/v1/hotspots', payload: { address: key.address, owner: wallet.address, timestamp: ts, hotspot_signature: Buffer.from(signEd25519(key.privateKey, msg)).toString('base64'), owner_signature: Buffer.from(wallet.sign(msg)).toString('base64') } });
      expect(res.statusCode).toBe(201);
      const fields = { nonce: 1, location: cell, region: 'EU868', gain: 30, elevation: 5, capability: 'full' as const };
      const a = await app.inject({ method: 'POST', url: `/v1/hotspots/${key.address}/assert`, payload: { ...fields, owner_signature: Buffer.from(wallet.sign(assertMessage(key.address, fields))).toString('base64') } });
      expect(a.statusCode).toBe(200);
      const node: (typeof nodes)[number] = { ...spot, key, wallet, cell };
      if (spot.online) {
        node.client = await mqtt.connectAsync(`mqtt://127.0.0.1:${ingest.status().mqttPort}`, { clientId: key.address, username: key.address, password: makeConnectPassword(key, ts), protocolVersion: 4, reconnectPeriod: 0 });
        node.client.on('message', (topic, payload) => { if (topic === ENTROPY_TOPIC) node.entropy = decodeEntropy(payload); });
        await node.client.subscribeAsync(ENTROPY_TOPIC, { qos: 1 });
      }
      nodes.push(node);
    }

    // Three windows, each connected hotspot beaconing once per window.
    for (let w = 0; w < 3; w++) {
      clock.set(START + w * 6 * H + 60_000);
      for (const n of nodes) if (n.client) await round(n);
    }
    clock.set(END + 600_000);

    const truth = {
      format: 'hexlight-sim-truth', version: 1, scenario: 'score-e2e', seed: 5, speed: 1, clock: { startMs: START, endMs: END },
      hotspots: nodes.map((n) => ({
        address: n.key.address, owner: n.wallet.address, behaviour: n.behaviour, cheater: n.cheater, knobs: n.txPowerBiasDb ? { txPowerBiasDb: n.txPowerBiasDb } : {},
        true: { lat: n.lat, lng: n.lng, cell: n.cell }, asserted: { lat: n.lat, lng: n.lng, cell: n.cell },
      })),
    };
    truthPath = join(dir, 'truth.json');
    await writeFile(truthPath, JSON.stringify(truth));
    eventsPath = join(dir, 'events.jsonl');
    await writeFile(eventsPath, (await exportReplayEvents(db, { fromMs: START, toMs: END + 180_000 })).map((l) => `${l}\n`).join(''));
  }, 120_000);

  async function stopNetwork(): Promise<void> {
    for (const n of nodes) await n.client?.endAsync();
    nodes.forEach((n) => delete n.client);
    await app?.close();
    await poc?.stop();
    await ingest?.stop();
    await db?.close();
    app = undefined;
    poc = undefined;
    ingest = undefined;
    db = undefined;
  }
  afterAll(async () => {
    await stopNetwork();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const byName = (result: ScoreResult, ruleset: number) => Object.fromEntries(result.rulesets[ruleset]!.hotspots.map((h) => [nodes.find((n) => n.key.address === h.address)!.name, h]));
  let fromApi: ScoreResult;

  it('scores a running network through its admin export (--api)', async () => {
    const plot = join(dir, 'api.svg');
    const r = await score(['--truth', truthPath, '--api', api, '--admin-token', 'admin-secret-0123456789abcdef', '--json', '--plot', plot]);
    expect(r.err).toContain('judged by helium, hexlight');
    expect(r.code).toBe(0);
    fromApi = JSON.parse(r.out) as ScoreResult;
    expect(fromApi).toMatchObject({ scenario: 'score-e2e', seed: 5, hotspots: 5, cheaters: 1, threshold: 0.5, warmupEndMs: START + 6 * H, otherHotspots: 0 });

    // helium never looks at the claimed power: the cheater's reports are all valid.
    const helium = byName(fromApi, 0);
    for (const n of ['A', 'B', 'C', 'X']) expect(helium[n]).toMatchObject({ beacons: 2, beaconsInvalid: 0, witnesses: 6, witnessesInvalid: 0, witnessesExcluded: 0, flagged: false });
    expect(helium.O).toMatchObject({ silent: true, flagged: false });
    expect(fromApi.rulesets[0]!.overall).toMatchObject({ caught: 0, missed: 1, wronglyInvalidated: 0, precision: null, recall: 0, f1: 0 });

    // hexlight: tx_power_too_high on its beacons, so it never beaconed with witnesses, so its
    // witness reports fail reciprocity; the honest hotspots' reports on its beacons are set aside.
    const hexlight = byName(fromApi, 1);
    expect(hexlight.X).toMatchObject({ beacons: 2, beaconsInvalid: 2, witnesses: 6, witnessesInvalid: 6, flagged: true, reasons: { tx_power_too_high: 2, gateway_no_valid_beacons: 6 } });
    for (const n of ['A', 'B', 'C']) expect(hexlight[n]).toMatchObject({ beacons: 2, beaconsInvalid: 0, witnesses: 4, witnessesInvalid: 0, witnessesExcluded: 2, flagged: false });
    expect(fromApi.rulesets[1]!.overall).toMatchObject({ caught: 1, missed: 0, wronglyInvalidated: 0, precision: 1, recall: 1, f1: 1, honestFalsePositiveRate: 0 });

    const svg = await readFile(plot, 'utf8');
    expect(svg.match(/<rect class="bar"/g)).toHaveLength(2 * 3);
    expect(svg).toContain('scenario score-e2e, seed 5');
  });

  it('prints the same score as tables from a replay input file (--events), plot next to the truth file', async () => {
    const r = await score(['--truth', truthPath, '--events', eventsPath]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('scenario score-e2e · seed 5 · speed 1× · 5 hotspots, 1 cheater');
    expect(r.out).toMatch(/\| rssi_forger\s+\|\s+1 \|\s+0 \|\s+0\/1 \(0 %\) \|\s+1\/1 \(100 %\) \|/);
    expect(r.out).toMatch(/\| honest\s+\|\s+3 \|\s+0 \|\s+0\/3 \(0 %\) \|\s+0\/3 \(0 %\) \|/);
    expect(r.out).toMatch(/\| offline\s+\|\s+1 \|\s+1 \|\s+0\/1 \(0 %\) \|\s+0\/1 \(0 %\) \|/);
    expect(r.out).toMatch(/\| helium\s+\|\s+0\/1 \|\s+0\/4 \|\s+– \|\s+0 % \|\s+0 % \|/);
    expect(r.out).toMatch(/\| hexlight\s+\|\s+1\/1 \|\s+0\/4 \|\s+100 % \|\s+100 % \|\s+100 % \|/);
    expect(r.out).toContain(`plot: ${join(dir, 'score.svg')}`);
    expect(await readFile(join(dir, 'score.svg'), 'utf8')).toMatch(/^<\?xml/);

    const json = await score(['--truth', truthPath, '--events', eventsPath, '--json', '--plot', join(dir, 'events.svg')]);
    expect(JSON.parse(json.out)).toEqual(fromApi);
  });

  it('explains a refused admin export and bad arguments', async () => {
    const wrong = await score(['--truth', truthPath, '--api', api, '--admin-token', 'not-the-token']);
    expect(wrong.code).toBe(1);
    expect(wrong.err).toMatch(/SIM_SCORE_EXPORT_FAILED: GET .*\/v1\/admin\/poc\/export\?from=.*: HTTP 401 ADMIN_UNAUTHORIZED/);
    expect((await score(['--truth', truthPath, '--api', api])).err).toContain('--api needs --admin-token or ADMIN_TOKEN');
    expect((await score(['--truth', truthPath, '--api', api], { ADMIN_TOKEN: 'admin-secret-0123456789abcdef' })).code).toBe(0);
    expect((await score(['--events', eventsPath])).code).toBe(2);
    expect((await score(['--truth', truthPath, '--events', eventsPath, '--api', api])).err).toContain('give one');
    expect((await score(['--truth', truthPath, '--events', eventsPath, '--threshold', '1.5'])).err).toContain('--threshold must be a number in (0, 1]');
    expect((await score(['--truth', truthPath, '--events', eventsPath, '--rules', 'helium,bogus'])).err).toContain('POC_UNKNOWN_RULESET');
    const badTruth = join(dir, 'bad-truth.json');
    await writeFile(badTruth, JSON.stringify({ format: 'hexlight-sim-truth', version: 1 }));
    const r = await score(['--truth', badTruth, '--events', eventsPath]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('SIM_TRUTH_INVALID');
    expect(r.err).toContain('field "scenario" is missing');
  });

  it('refuses the embedded store of a running network (DATA_DIR_LOCKED) and reads it once stopped', async () => {
    // Another live process holds DATA_DIR: our parent stands in for a running `hexlight up`.
    const lock = join(dir, 'hexlight.lock');
    await writeFile(lock, `${process.ppid}\n`);
    const locked = await score(['--truth', truthPath], { DATA_DIR: dir });
    expect(locked.code).toBe(1);
    expect(locked.err).toContain('DATA_DIR_LOCKED');
    expect(locked.err).toContain('--api');
    await rm(lock);

    await stopNetwork();
    const r = await score(['--truth', truthPath, '--json', '--plot', join(dir, 'store.svg')], { DATA_DIR: dir });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual(fromApi);
  }, 60_000);
});
