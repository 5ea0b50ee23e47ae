import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Aedes } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import { latLngToCell } from 'h3-js';
import { encodeSignedReport, hotspotTopic, type HotspotKey } from '@hexlight/protocol';
import { CENTER, seedHotspots, startTestMaps, type SeededHotspot, type TestMaps } from './helpers.ts';

/** A simulator GPS tracker frame (hotspot-sim gpsUplink): unconfirmed up, FPort 1, Cayenne LPP GPS, zero MIC. */
function gpsFrame(devAddr: number, fcnt: number, lat: number, lng: number, altM: number): Uint8Array {
  const lpp = new Uint8Array(11);
  lpp[0] = 1; lpp[1] = 0x88;
  const put = (at: number, v: number) => { const u = v < 0 ? v + 0x100_0000 : v; lpp[at] = (u >>> 16) & 0xff; lpp[at + 1] = (u >>> 8) & 0xff; lpp[at + 2] = u & 0xff; };
  put(2, Math.round(lat * 10_000)); put(5, Math.round(lng * 10_000)); put(8, Math.round(altM * 100));
  const out = new Uint8Array(9 + lpp.length + 4);
  out[0] = 0x40;
  new DataView(out.buffer).setUint32(1, devAddr, true);
  new DataView(out.buffer).setUint16(6, fcnt, true);
  out[8] = 1;
  out.set(lpp, 9);
  return out;
}

const packet = (key: HotspotKey, phy: Uint8Array, rssi: number, snr: number) => Buffer.from(encodeSignedReport('packet', {
  payload: phy, timestamp: 1_700_000_000_000n, rssi, frequency: 868_100_000, datarate: 5, snr, region: 1, gateway: key.keyBinary,
}, key.privateKey).payload);

let t: TestMaps;
let hs: SeededHotspot[];
let server: net.Server;
let broker: Aedes;
let pub: MqttClient;

beforeAll(async () => {
  // The network's broker stand-in: a plain aedes the maps service subscribes to as a client.
  broker = await Aedes.createBroker();
  server = net.createServer(broker.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const { ManualClock } = await import('@hexlight/kit');
  t = await startTestMaps({ MAPS_GROUP_WINDOW_MS: '300' }, { brokerUrl: `mqtt://127.0.0.1:${port}`, clock: new ManualClock(Date.UTC(2026, 10, 20, 12)) });
  hs = await seedHotspots(t.db, [{ lat: CENTER.lat + 0.01, lng: CENTER.lng }, { lat: CENTER.lat, lng: CENTER.lng + 0.01 }, { lat: CENTER.lat - 0.01, lng: CENTER.lng }], t.clock.now());
  await t.maps.subscribed();
  pub = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: 'test-pub', protocolVersion: 4 });
});
afterAll(async () => {
  await pub?.endAsync();
  await t?.close();
  await new Promise<void>((r) => broker.close(() => r()));
  server.close();
});

describe('mapper uplinks over MQTT', () => {
  it('groups the copies of one GPS frame from several hotspots into one measurement and drops forged copies', async () => {
    const fix = { lat: CENTER.lat + 0.0021, lng: CENTER.lng + 0.0013 };
    const phy = gpsFrame(0x2601_1234, 7, fix.lat, fix.lng, 42.5);
    await pub.publishAsync(hotspotTopic(hs[0]!.address, 'packet'), packet(hs[0]!.key, phy, -97, 6.5), { qos: 1 });
    await pub.publishAsync(hotspotTopic(hs[1]!.address, 'packet'), packet(hs[1]!.key, phy, -112, -3.25), { qos: 1 });
    await pub.publishAsync(hotspotTopic(hs[2]!.address, 'packet'), packet(hs[2]!.key, phy, -120, -9), { qos: 1 });
    // hs[0]'s key publishing under hs[1]'s topic: refused (key mismatch); a corrupted signature: refused.
    await pub.publishAsync(hotspotTopic(hs[1]!.address, 'packet'), packet(hs[0]!.key, phy, -60, 10), { qos: 1 });
    const forged = packet(hs[2]!.key, phy, -50, 10);
    forged[forged.length - 1]! ^= 0xff;
    await pub.publishAsync(hotspotTopic(hs[2]!.address, 'packet'), forged, { qos: 1 });
    // Not a GPS frame.
    await pub.publishAsync(hotspotTopic(hs[0]!.address, 'packet'), packet(hs[0]!.key, new Uint8Array([0x40, 1, 2, 3, 4, 0, 1, 0, 2, 9, 9, 9, 0, 0, 0, 0]), -90, 5), { qos: 1 });

    const deadline = Date.now() + 5000;
    let rows;
    do {
      await new Promise((r) => setTimeout(r, 100));
      rows = await t.db.query<{ device: string; lat: number; lng: number; altitude: number; h3_r10: bigint; hotspots: number; source: string }>('SELECT device, lat, lng, altitude, h3_r10, hotspots, source FROM mapper_uplinks');
    } while (rows.rows.length === 0 && Date.now() < deadline);
    expect(rows.rows).toHaveLength(1);
    expect(rows.rows[0]).toMatchObject({ device: '26011234', source: 'mqtt', hotspots: 3, lat: 38.7221, lng: -9.1387, altitude: 42.5 });
    expect(BigInt(rows.rows[0]!.h3_r10).toString(16)).toBe(latLngToCell(38.7221, -9.1387, 10));
    const rec = await t.db.query<{ hotspot: string; rssi: number; snr: number }>('SELECT hotspot, rssi, snr FROM mapper_receptions ORDER BY rssi DESC');
    expect(rec.rows).toEqual([
      { hotspot: hs[0]!.address, rssi: -97, snr: 6.5 },
      { hotspot: hs[1]!.address, rssi: -112, snr: -3.25 },
      { hotspot: hs[2]!.address, rssi: -120, snr: -9 },
    ]);
    expect(t.maps.ingest.counts()).toMatchObject({ 'mqtt.key_mismatch': 1, 'mqtt.bad_signature': 1, 'mqtt.not_gps': 1, 'mqtt.copies': 3, 'uplink.accepted.mqtt': 1 });
    // The pane of its res-9 hex lists all three hotspots, best first.
    const hex = latLngToCell(fix.lat, fix.lng, 9);
    const pane = (await t.app.inject({ url: `/v1/map/hexes/${hex}` })).json();
    expect(pane.record).toMatchObject({ rssi_best: -97, snr_best: 6.5, gateways: 3, samples: 3, source: 'measured', level: 'high' });
    expect(pane.hotspots.map((h: { address: string }) => h.address)).toEqual([hs[0]!.address, hs[1]!.address, hs[2]!.address]);
  });
});
