import { randomBytes } from 'node:crypto';
import * as h3 from 'h3-js';
import type { Db } from '@hexlight/store';
import { deriveBeacon, encodeSignedReport, generateHotspotKey, reportId } from '@hexlight/protocol';

export const T = Date.UTC(2026, 0, 5, 1, 0, 0);

/** One asserted hotspot and one beacon of it on stored entropy, written straight to the store. */
export async function storeOneBeacon(db: Db, key = generateHotspotKey()) {
  const cell = h3.latLngToCell(52.37, 4.89, 12);
  await db.query(`INSERT INTO hotspots (address, key_binary, owner, onboarded_at, location, region, gain, elevation, asserted_at, assert_nonce) VALUES ($1, $2, 'o', $3, $4, 'EU868', 30, 5, $3, 1)`, [key.address, key.keyBinary, new Date(T - 86_400_000), cell]);
  await db.query(`INSERT INTO hotspot_assertions (address, nonce, asserted_at, location, region, gain, elevation, capability, owner_signature) VALUES ($1, 1, $2, $3, 'EU868', 30, 5, 'full', '\\x00')`, [key.address, new Date(T - 86_400_000), cell]);
  return storeBeaconOf(db, key, T);
}

/** Another beacon of an already stored hotspot, on entropy of `atMs` (received 5 s after it). */
export async function storeBeaconOf(db: Db, key: ReturnType<typeof generateHotspotKey>, atMs: number) {
  const entropy = { data: randomBytes(32), timestamp: Math.floor(atMs / 1000), version: 0 };
  await db.query(`INSERT INTO entropy (data, timestamp, version, created_at) VALUES ($1, $2, 0, $3)`, [entropy.data, BigInt(entropy.timestamp), new Date(atMs)]);
  const local = randomBytes(4);
  const d = deriveBeacon({ remoteEntropy: entropy, localEntropy: local, region: 'EU868', gain: 30 });
  const { payload } = encodeSignedReport('beacon', { pubKey: key.keyBinary, localEntropy: local, remoteEntropy: entropy.data, data: d.data, frequency: d.frequency, channel: 0, datarate: d.datarateValue, txPower: d.conductedPower, timestamp: 1n, tmst: 1 }, key.privateKey);
  await db.query(`INSERT INTO beacon_reports (id, received_at, hotspot, local_entropy, remote_entropy, data, frequency, channel, datarate, tx_power, hotspot_ts, tmst, payload) VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9, 1, 1, $10)`,
    [reportId(payload), new Date(atMs + 5000), key.address, local, entropy.data, d.data, d.frequency, d.datarateValue, d.conductedPower, payload]);
  return key.address;
}

