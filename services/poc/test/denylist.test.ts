import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import * as h3 from 'h3-js';
import { ManualClock, silentLogger } from '@hexlight/kit';
import { createTestDb, type Db } from '@hexlight/store';
import { deriveBeacon, encodeSignedReport, generateHotspotKey, reportId } from '@hexlight/protocol';
import { createPocRunner } from '../src/live/runner.ts';
import { parseDenylistFile } from '../src/live/denylist-file.ts';
import { rulesetByName } from '../src/verifier/rulesets.ts';

const T = Date.UTC(2026, 0, 5, 1, 0, 0);

/** One asserted hotspot and one beacon of it on stored entropy, written straight to the store. */
async function storeOneBeacon(db: Db) {
  const key = generateHotspotKey();
  const cell = h3.latLngToCell(52.37, 4.89, 12);
  await db.query(`INSERT INTO hotspots (address, key_binary, owner, onboarded_at, location, region, gain, elevation, asserted_at, assert_nonce) VALUES ($1, $2, 'o', $3, $4, 'EU868', 30, 5, $3, 1)`, [key.address, key.keyBinary, new Date(T - 86_400_000), cell]);
  await db.query(`INSERT INTO hotspot_assertions (address, nonce, asserted_at, location, region, gain, elevation, capability, owner_signature) VALUES ($1, 1, $2, $3, 'EU868', 30, 5, 'full', '\\x00')`, [key.address, new Date(T - 86_400_000), cell]);
  const entropy = { data: randomBytes(32), timestamp: Math.floor(T / 1000), version: 0 };
  await db.query(`INSERT INTO entropy (data, timestamp, version, created_at) VALUES ($1, $2, 0, $3)`, [entropy.data, BigInt(entropy.timestamp), new Date(T)]);
  const local = randomBytes(4);
  const d = deriveBeacon({ remoteEntropy: entropy, localEntropy: local, region: 'EU868', gain: 30 });
  const { payload } = encodeSignedReport('beacon', { pubKey: key.keyBinary, localEntropy: local, remoteEntropy: entropy.data, data: d.data, frequency: d.frequency, channel: 0, datarate: d.datarateValue, txPower: d.conductedPower, timestamp: 1n, tmst: 1 }, key.privateKey);
  await db.query(`INSERT INTO beacon_reports (id, received_at, hotspot, local_entropy, remote_entropy, data, frequency, channel, datarate, tx_power, hotspot_ts, tmst, payload) VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9, 1, 1, $10)`,
    [reportId(payload), new Date(T + 5000), key.address, local, entropy.data, d.data, d.frequency, d.datarateValue, d.conductedPower, payload]);
  return key.address;
}

describe('operator denylist file', () => {
  let db: Db | null = null;
  let dir = '';
  afterEach(async () => {
    await db?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function judge(file: string | undefined, mode: 'fail-open' | 'fail-closed', content?: (addr: string) => unknown) {
    db = await createTestDb();
    dir = await mkdtemp(join(tmpdir(), 'hexlight-deny-'));
    const address = await storeOneBeacon(db);
    const path = file ? join(dir, file) : undefined;
    if (path && content) await writeFile(path, JSON.stringify(content(address)));
    const runner = createPocRunner({ db, clock: new ManualClock(T + 600_000), log: silentLogger() }, {
      rulesetName: 'helium', ruleset: rulesetByName('helium'), intervalMs: 60_000, batchSize: 100, staleAfterMs: 3_600_000, denylistFile: path, denylistMode: mode,
    });
    expect(await runner.tick()).toBe(1);
    const v = await db.query<{ reason: string | null; evidence: { denylistTag?: string } }>(`SELECT reason, evidence FROM poc_verdicts`);
    return v.rows[0]!;
  }

  it('denies the keys the file lists, with the file tag', async () => {
    const v = await judge('deny.json', 'fail-open', (a) => ({ tag: 'v7', keys: [a], edges: [] }));
    expect(v.reason).toBe('denied');
    expect(v.evidence.denylistTag).toBe('file:v7');
  });

  it('fail-closed: a missing file denies everyone', async () => {
    const v = await judge('missing.json', 'fail-closed');
    expect(v).toMatchObject({ reason: 'denied', evidence: { denylistTag: 'denylist-unavailable' } });
  });

  it('fail-open: a missing file denies no one', async () => {
    const v = await judge('missing.json', 'fail-open');
    expect(v.reason).not.toBe('denied');
  });

  it('refuses a malformed file with a coded error', () => {
    expect(() => parseDenylistFile('{"keys": []}')).toThrow(/tag/);
    expect(() => parseDenylistFile('{"tag": "x", "keys": ["nope"]}')).toThrow(/addresses/);
    expect(() => parseDenylistFile('not json')).toThrow(/not JSON/);
  });
});
