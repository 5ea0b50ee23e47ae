import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import {
  encodeSignedReport, generateHotspotKey, hotspotTopic, makeConnectPassword, reportIdHex, signEd25519,
  connectTokenMessage, type HotspotKey,
} from '@hexlight/protocol';
import { countReports, nextMessage, startTestNetwork, type TestNetwork } from './helpers.ts';

function witness(key: HotspotKey, signer = key) {
  return encodeSignedReport('witness', {
    pubKey: key.keyBinary, data: randomBytes(51), timestamp: BigInt(Date.now()) * 1_000_000n, tmst: 1234,
    signal: -1105, snr: 52, frequency: 867_900_000, datarate: 0,
  }, signer.privateKey).payload;
}

function beacon(key: HotspotKey) {
  return encodeSignedReport('beacon', {
    pubKey: key.keyBinary, localEntropy: randomBytes(4), remoteEntropy: randomBytes(32), data: randomBytes(51),
    frequency: 867_900_000, channel: 0, datarate: 0, txPower: 10, timestamp: BigInt(Date.now()) * 1_000_000n, tmst: 99,
  }, key.privateKey).payload;
}

describe('MQTT edge: auth, ACL and refusals (wire.md §2, §4, §5)', () => {
  let net: TestNetwork;
  let a: HotspotKey;
  let b: HotspotKey;

  beforeAll(async () => {
    net = await startTestNetwork();
    a = (await net.onboard()).key;
    b = (await net.onboard()).key;
  });
  afterAll(async () => net?.close());

  it('stores a valid beacon and witness, PUBACKed only after commit, and a resend once', async () => {
    const client = await net.connect(a);
    const before = await countReports(net.db);
    const w = witness(a);
    await client.publishAsync(hotspotTopic(a.address, 'beacon'), Buffer.from(beacon(a)), { qos: 1 });
    await client.publishAsync(hotspotTopic(a.address, 'witness'), Buffer.from(w), { qos: 1 });
    // PUBACK came back: the rows must already be committed.
    const after = await countReports(net.db);
    expect(after.beacons - before.beacons).toBe(1);
    expect(after.witnesses - before.witnesses).toBe(1);
    await client.publishAsync(hotspotTopic(a.address, 'witness'), Buffer.from(w), { qos: 1 });
    expect((await countReports(net.db)).witnesses - before.witnesses).toBe(1);
    const row = await net.db.query<{ id: Uint8Array; hotspot: string; signal: number }>(`SELECT id, hotspot, signal FROM witness_reports WHERE id = $1`, [Buffer.from(reportIdHex(w), 'hex')]);
    expect(row.rows).toHaveLength(1);
    expect(row.rows[0]!.hotspot).toBe(a.address);
    expect(row.rows[0]!.signal).toBe(-1105);
    expect(net.ingest.status().duplicates).toBeGreaterThanOrEqual(1);
  });

  const refusals: [string, () => { leaf: string; payload: Uint8Array }, string][] = [
    ['bad signature', () => { const p = Buffer.from(witness(a)); p[p.length - 3]! ^= 0xff; return { leaf: 'witness', payload: p }; }, 'bad_signature'],
    ['wrong topic', () => ({ leaf: 'telemetry', payload: witness(a) }), 'wrong_topic'],
    ['a witness on the beacon topic', () => ({ leaf: 'beacon', payload: witness(a) }), ''],
    ['malformed protobuf', () => ({ leaf: 'witness', payload: Buffer.from([0x0a, 0xff, 0xff, 0x01, 0x02]) }), 'malformed'],
    ['oversized payload', () => ({ leaf: 'witness', payload: randomBytes(1025) }), 'oversized'],
    ['a report carrying another hotspot key', () => ({ leaf: 'witness', payload: witness(b) }), 'key_mismatch'],
    ['a report signed by another key', () => ({ leaf: 'witness', payload: witness(a, b) }), 'bad_signature'],
  ];

  for (const [name, make, reason] of refusals) {
    it(`refuses ${name} with its reason, acknowledges it, stores nothing`, async () => {
      const client = await net.connect(a);
      const before = await countReports(net.db);
      const { leaf, payload } = make();
      const rejected = nextMessage(client, hotspotTopic(a.address, 'rejected'));
      await new Promise((r) => setTimeout(r, 50)); // the subscription is in place
      await client.publishAsync(`hotspot/${a.address}/${leaf}`, Buffer.from(payload), { qos: 1 }); // PUBACKed
      const body = JSON.parse((await rejected).toString()) as { topic: string; id: string; reason: string };
      if (reason) expect(body.reason).toBe(reason);
      else expect(['malformed', 'bad_signature']).toContain(body.reason);
      expect(body.topic).toBe(`hotspot/${a.address}/${leaf}`);
      expect(body.id).toMatch(/^[0-9a-f]{64}$/);
      expect(await countReports(net.db)).toEqual(before);
      expect(client.connected).toBe(true);
      await client.endAsync();
    });
  }

  it("closes the connection of a hotspot that publishes on another hotspot's topic, storing nothing", async () => {
    const client = await net.connect(a);
    const before = await countReports(net.db);
    const closed = new Promise<void>((r) => client.once('close', () => r()));
    client.publish(hotspotTopic(b.address, 'witness'), Buffer.from(witness(b)), { qos: 1 });
    await closed;
    expect(await countReports(net.db)).toEqual(before);
  });

  it("closes the connection of a hotspot that subscribes to another hotspot's topics", async () => {
    const client = await net.connect(a);
    const closed = new Promise<void>((r) => client.once('close', () => r()));
    client.subscribe(`hotspot/${b.address}/#`);
    await closed;
    expect(client.connected).toBe(false);
  });

  async function connectError(opts: mqtt.IClientOptions): Promise<{ code?: number }> {
    return mqtt.connectAsync(net.mqttUrl, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 3000, ...opts }).then(
      async (c) => { await c.endAsync(); return { code: 0 }; },
      (err: { code?: number }) => err,
    );
  }

  it('refuses an unknown hotspot at CONNECT (bad username or password)', async () => {
    const stranger = generateHotspotKey();
    const err = await connectError({ clientId: stranger.address, username: stranger.address, password: makeConnectPassword(stranger, Math.floor(Date.now() / 1000)) });
    expect(err.code).toBe(4);
  });

  it('refuses a stale connect token (301 s old) and accepts one 299 s old', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect((await connectError({ clientId: a.address, username: a.address, password: makeConnectPassword(a, now - 301) })).code).toBe(4);
    expect((await connectError({ clientId: a.address, username: a.address, password: makeConnectPassword(a, now - 299) })).code).toBe(0);
  });

  it('refuses a forged connect token (signed by another key) and a malformed one', async () => {
    const now = Math.floor(Date.now() / 1000);
    const forged = `v1.${now}.${Buffer.from(signEd25519(b.privateKey, connectTokenMessage(a.address, now))).toString('base64url')}`;
    expect((await connectError({ clientId: a.address, username: a.address, password: forged })).code).toBe(4);
    expect((await connectError({ clientId: a.address, username: a.address, password: 'v1.notanumber.xyz' })).code).toBe(4);
  });

  it('refuses a client id that is not the username', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect((await connectError({ clientId: 'someone-else', username: a.address, password: makeConnectPassword(a, now) })).code).toBe(4);
  });

  it('tracks online/offline from the state topic, the last will and disconnects', async () => {
    const client = await mqtt.connectAsync(net.mqttUrl, {
      clientId: b.address, username: b.address, password: makeConnectPassword(b, Math.floor(Date.now() / 1000)),
      protocolVersion: 4, reconnectPeriod: 0, will: { topic: hotspotTopic(b.address, 'state'), payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    await client.publishAsync(hotspotTopic(b.address, 'state'), 'online', { qos: 1, retain: true });
    let row = await net.db.query<{ online: boolean; last_seen_at: Date }>(`SELECT online, last_seen_at FROM hotspots WHERE address = $1`, [b.address]);
    expect(row.rows[0]!.online).toBe(true);
    expect(row.rows[0]!.last_seen_at).toBeInstanceOf(Date);
    client.stream.destroy(); // unclean: the broker publishes the will
    await new Promise((r) => setTimeout(r, 300));
    row = await net.db.query(`SELECT online, last_seen_at FROM hotspots WHERE address = $1`, [b.address]);
    expect(row.rows[0]!.online).toBe(false);
  });
});
