import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock, silentLogger, systemClock, type Clock } from '@hexlight/kit';
import {
  bytesToHex, checkConnectPassword, decodeReport, encodeEntropy, ENTROPY_TOPIC, hexToBytes, hotspotTopic, reportIdHex, verifyBeacon,
  verifyReportSignature, type EntropyReport,
} from '@hexlight/protocol';
import { SimHotspot, type Rejection } from '../src/hotspot.ts';
import { cityPreset } from '../src/cities.ts';
import { mqttLinks, type LinkFactory, type LinkOptions } from '../src/link.ts';
import { buildRoster, type RosterEntry } from '../src/roster.ts';
import { createRng } from '../src/rng.ts';
import {
  countReports, enroll, onlineFlags, record, retained, sleep, startNetwork, startRelay, storedReports, until, type SimNetwork,
} from './network.ts';

// spec/regions.md §4.1: Helium's captured beacon (helium/oracles iot_verifier poc.rs).
const VECTOR = {
  remote: { data: hexToBytes('b6aa3f80d9355f139d998626b8d1ff1776cda36ae11a10006a8d516546276b09'), timestamp: 1677163710, version: 0 } satisfies EntropyReport,
  local: hexToBytes('e94619b0'),
  payload: '1c99124160e83b92867d630caf4c9ed21cfd923bbbcb7a9231f19c944af6441108d43006983add9eba65253b877e1248f441ae',
};

/** Roster entry `index` of seed 11 (one distinct identity per test). */
function entry(index: number, city: 'lisbon' | 'san-francisco' = 'lisbon'): RosterEntry {
  return buildRoster(cityPreset(city), index + 1, 11)[index]!;
}

function simHotspot(e: RosterEntry, links: LinkFactory, clock: Clock, opts: { gain?: number; onRejected?: (r: Rejection) => void } = {}): SimHotspot {
  return new SimHotspot({
    key: e.key, owner: e.owner, position: e.position, region: e.region,
    antenna: { gain: opts.gain ?? e.antenna.gain, elevation: e.antenna.elevation },
    links, clock, log: silentLogger(), rng: createRng(3),
    ...(opts.onRejected ? { onRejected: opts.onRejected } : {}),
  });
}

describe('simulated hotspot, offline', () => {
  it('builds Helium’s real beacon from the spec vector, and it verifies', () => {
    // Pure: building and signing needs no broker (the link factory is never called).
    const h = simHotspot(entry(0), mqttLinks('mqtt://127.0.0.1:1'), new ManualClock(Date.UTC(2025, 4, 1, 12)), { gain: 60 });
    const beacon = h.makeBeacon(VECTOR.remote, VECTOR.local);
    expect(bytesToHex(beacon.data)).toBe(VECTOR.payload);
    expect(beacon.frequency).toBe(867_900_000);
    expect(beacon.datarate).toBe(0); // SF12BW125
    expect(beacon.sf).toBe(12);
    expect(beacon.txPower).toBe(10);
    const decoded = decodeReport('beacon', beacon.payload);
    expect(verifyReportSignature(decoded)).toBe(true);
    expect(verifyBeacon(decoded.report, VECTOR.remote, 'EU868', 60)).toEqual({ ok: true });
  });
});

describe('simulated hotspot on the real network (ingest broker + registry + store)', () => {
  let network: SimNetwork;

  beforeEach(async () => {
    network = await startNetwork();
  });

  afterEach(async () => {
    await network.close();
  });

  it('connects as itself with a valid token and an offline will, then announces online', async () => {
    const relay = await startRelay(network.mqttPort);
    try {
      const e = entry(1);
      await enroll(network, e);
      const clock = systemClock;
      const used: LinkOptions[] = [];
      const real = mqttLinks(relay.url, { reconnectPeriodMs: 100 });
      const h = simHotspot(e, (opts) => {
        used.push(opts);
        return real(opts);
      }, clock);
      const stateTopic = hotspotTopic(h.address, 'state');
      const states = await record(await network.observer(), stateTopic);

      // The broker authenticates clientId = username = address and the token; it let the hotspot in.
      await h.connect();
      expect(h.connected).toBe(true);
      const [opts] = used;
      expect(opts!.address).toBe(h.address);
      expect(checkConnectPassword(h.address, h.key.keyBinary, opts!.password(), Math.floor(clock.now() / 1000))).toEqual({ ok: true });
      expect(opts!.will).toEqual({ topic: stateTopic, payload: 'offline', qos: 1, retain: true });
      expect(typeof opts!.onError).toBe('function');

      // Announced online, retained, QoS 1.
      await until(() => states.length >= 1, 'the online announce');
      expect(states.map((s) => [s.topic, s.text, s.qos])).toEqual([[stateTopic, 'online', 1]]);
      expect(await retained(network, stateTopic)).toEqual({ text: 'online', retain: true, qos: 1 });
      await until(async () => (await onlineFlags(network.db, [h.address]))[0] === true, 'online in the store');

      // The network drops: the broker publishes the hotspot's will (the sim published nothing).
      relay.down();
      await until(() => states.length >= 2, 'the offline will');
      expect(states[1]).toMatchObject({ topic: stateTopic, text: 'offline', qos: 1 });
      expect(await retained(network, stateTopic)).toEqual({ text: 'offline', retain: true, qos: 1 });
      await until(async () => (await onlineFlags(network.db, [h.address]))[0] === false, 'offline in the store');
      expect(used).toHaveLength(1); // the link reconnects by itself, with a fresh token per attempt

      // Back: it reconnects and announces online again.
      relay.up();
      await until(() => states.length >= 3 && h.connected, 'the online announce after reconnecting');
      expect(states[2]).toMatchObject({ text: 'online', qos: 1 });
      await until(async () => (await onlineFlags(network.db, [h.address]))[0] === true, 'online in the store again');

      // A clean disconnect publishes retained offline itself.
      await h.disconnect();
      expect(h.connected).toBe(false);
      await until(() => states.length >= 4, 'the offline state on disconnect');
      expect(states.map((s) => s.text)).toEqual(['online', 'offline', 'online', 'offline']);
      expect(await retained(network, stateTopic)).toEqual({ text: 'offline', retain: true, qos: 1 });
      await until(async () => (await onlineFlags(network.db, [h.address]))[0] === false, 'offline in the store at the end');
      const events = await network.db.query<{ online: boolean }>(`SELECT online FROM hotspot_state_events WHERE hotspot = $1`, [h.address]);
      expect(events.rows.filter((r) => r.online).length).toBeGreaterThanOrEqual(2);
      expect(events.rows.filter((r) => !r.online).length).toBeGreaterThanOrEqual(2);
    } finally {
      await relay.close();
    }
  });

  it('waits for entropy, then publishes a signed beacon that verifies against that entropy', async () => {
    const e = entry(2, 'san-francisco');
    await enroll(network, e);
    const clock = new ManualClock(Date.now()); // frozen: the beacon's timestamp is known exactly
    const h = simHotspot(e, mqttLinks(network.mqttUrl), clock);
    const seen = await record(await network.observer(), hotspotTopic(h.address, 'beacon'));
    await h.connect();

    let settled = false;
    const pending = h.beacon().finally(() => {
      settled = true;
    });
    await sleep(200);
    expect(settled).toBe(false); // no beacon before entropy
    expect(h.entropy).toBeNull();
    expect(await countReports(network.db)).toEqual({ beacons: 0, witnesses: 0 });

    const entropy: EntropyReport = { data: createRng(8).bytes(32), timestamp: Math.floor(clock.now() / 1000) - 20, version: 1 };
    await network.ingest.publish(ENTROPY_TOPIC, Buffer.from(encodeEntropy(entropy)), { qos: 1, retain: true });
    const beacon = (await pending)!;
    expect(beacon).not.toBeNull();

    // PUBACK came after the commit: the stored row is what was published, under the hotspot's identity.
    const [stored, ...more] = await storedReports(network.db, 'beacon');
    expect(more).toHaveLength(0);
    expect(stored!.hotspot).toBe(h.address);
    await until(() => seen.length === 1, 'the beacon on the broker');
    expect([seen[0]!.topic, seen[0]!.qos]).toEqual([hotspotTopic(h.address, 'beacon'), 1]);
    expect(new Uint8Array(seen[0]!.payload)).toEqual(beacon.payload);

    const decoded = stored!.decoded;
    expect(verifyReportSignature(decoded)).toBe(true);
    const r = decoded.report;
    expect(r.pubKey).toEqual(h.key.keyBinary);
    expect(r.remoteEntropy).toEqual(entropy.data);
    expect(r.localEntropy).toHaveLength(4);
    expect(r.datarate).toBe(3); // SF9BW125
    expect(r.txPower).toBe(Math.trunc(36 - h.antenna.gain / 10));
    expect(r.timestamp).toBe(BigInt(clock.now()) * 1_000_000n);
    expect(verifyBeacon(r, entropy, 'US915', h.antenna.gain)).toEqual({ ok: true });
    // The verifier regenerates with its own entropy timestamp: a different one does not match.
    expect(verifyBeacon(r, { ...entropy, timestamp: entropy.timestamp + 1 }, 'US915', h.antenna.gain).ok).toBe(false);
    await h.disconnect();
  });

  it('publishes a signed witness carrying the beacon data, frequency, datarate and its reading', async () => {
    const clock = new ManualClock(Date.now());
    const beaconer = simHotspot(entry(3), mqttLinks(network.mqttUrl), clock, { gain: 60 });
    const beacon = beaconer.makeBeacon(VECTOR.remote, VECTOR.local); // heard over the air: never published
    const e = entry(4);
    await enroll(network, e);
    const w = simHotspot(e, mqttLinks(network.mqttUrl), clock);
    const seen = await record(await network.observer(), hotspotTopic(w.address, 'witness'));
    await w.connect();
    const heardAt = clock.now() - 300;
    await w.witness(beacon, -1123, -57, heardAt);

    const [stored, ...more] = await storedReports(network.db, 'witness');
    expect(more).toHaveLength(0);
    expect(stored!.hotspot).toBe(w.address);
    await until(() => seen.length === 1, 'the witness on the broker');
    expect([seen[0]!.topic, seen[0]!.qos]).toEqual([hotspotTopic(w.address, 'witness'), 1]);
    const decoded = stored!.decoded;
    expect(verifyReportSignature(decoded)).toBe(true);
    expect(decoded.report).toMatchObject({
      pubKey: w.key.keyBinary, data: beacon.data, signal: -1123, snr: -57, frequency: 867_900_000, datarate: 0,
      timestamp: BigInt(heardAt) * 1_000_000n,
    });
    expect(typeof decoded.report.timestamp).toBe('bigint');
    await w.disconnect();
  });

  it('reports rejections from the network', async () => {
    const e = entry(5);
    await enroll(network, e);
    const rejections: Rejection[] = [];
    const h = simHotspot(e, mqttLinks(network.mqttUrl), systemClock, { onRejected: (r) => rejections.push(r) });
    await h.connect();
    // A witness of an absurd beacon (2 kB of data): over MAX_REPORT_BYTES, the ingest refuses it.
    const huge = { data: new Uint8Array(2_000).fill(9), frequency: 867_900_000, datarate: 0 };
    const payload = h.makeWitness(huge, -900, 10, 1_000);
    await h.witness(huge, -900, 10, 1_000); // MQTT 3.1.1 has no negative PUBACK: the refusal comes on `rejected`
    await until(() => rejections.length === 1, 'the rejection');
    expect(rejections).toEqual([{ topic: hotspotTopic(h.address, 'witness'), id: reportIdHex(payload), reason: 'oversized' }]);
    expect(network.ingest.status().refused.oversized).toBe(1);
    expect(await countReports(network.db)).toEqual({ beacons: 0, witnesses: 0 });
    await h.disconnect();
  });

  it('stops waiting for entropy when disconnected', async () => {
    const e = entry(6);
    await enroll(network, e);
    const h = simHotspot(e, mqttLinks(network.mqttUrl), systemClock);
    await h.connect();
    const pending = h.beacon();
    await h.disconnect();
    expect(await pending).toBeNull();
    expect(await countReports(network.db)).toEqual({ beacons: 0, witnesses: 0 });
  });
});
