import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import mqtt from 'mqtt';
import { openDb } from '@hexlight/store';
import {
  encodeSignedReport, generateHotspotKey, generateSolanaWallet, hotspotTopic, makeConnectPassword, reportIdHex, signEd25519,
} from '@hexlight/protocol';
import { onboardMessage } from '../src/index.ts';
import { freePort } from '@hexlight/kit';

const ROOT = resolve(import.meta.dirname, '../../..');
const BIN = join(ROOT, 'packages/cli/bin/hexlight.js');

interface Ready { mqtt_port: number; http_port: number }

function startIngest(env: Record<string, string>): Promise<{ child: ChildProcess; ready: Ready }> {
  const child = spawn(process.execPath, [BIN, 'ingest'], { env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error('ingest did not start in 30 s')), 30_000);
    child.once('exit', (code) => rej(new Error(`ingest exited with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      const msg = JSON.parse(line) as { event?: string } & Ready;
      if (msg.event === 'ready') {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        res({ child, ready: msg });
      }
    });
  });
}

describe('crash safety: SIGKILL mid-stream at QoS 1', () => {
  let dataDir = '';
  let child: ChildProcess | null = null;
  afterAll(async () => {
    child?.kill('SIGKILL');
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('stores every PUBACKed report exactly once and every un-acked one after the resend', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'hexlight-crash-'));
    const port = await freePort();
    const env = { DATA_DIR: dataDir, INGEST_MQTT_PORT: String(port), INGEST_MQTT_PORT_FALLBACK: 'false', INGEST_MQTT_HOST: '127.0.0.1', HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', INGEST_VERIFY_WORKERS: '0' };
    let started = await startIngest(env);
    child = started.child;

    const key = generateHotspotKey();
    const wallet = generateSolanaWallet();
    const ts = Math.floor(Date.now() / 1000);
    const msg = onboardMessage(key.address, wallet.address, ts);
    const res = await fetch(`http://127.0.0.1:${started.ready.http_port}/v1/hotspots`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ address: key.address, owner: wallet.address, timestamp: ts, hotspot_signature: Buffer.from(signEd25519(key.privateKey, msg)).toString('base64'), owner_signature: Buffer.from(wallet.sign(msg)).toString('base64') }),
    });
    expect(res.status).toBe(201);

    const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, {
      clientId: key.address, username: key.address, password: makeConnectPassword(key, ts), protocolVersion: 4,
      reconnectPeriod: 250, connectTimeout: 5000, clean: true,
    });
    const N = 1500;
    const WINDOW = 40;
    const reports = Array.from({ length: N }, (_, i) => encodeSignedReport('witness', {
      pubKey: key.keyBinary, data: randomBytes(51), timestamp: BigInt(Date.now() + i) * 1_000_000n, tmst: i, signal: -1000 - i % 300, snr: 40, frequency: 867_100_000, datarate: 0,
    }, key.privateKey).payload);
    const ackedBeforeKill = new Set<string>();
    let acked = 0;
    let killed = false;
    let inFlightAtKill = 0;
    let next = 0;

    await new Promise<void>((done, fail) => {
      const send = () => {
        if (next >= N) return;
        const payload = reports[next++]!;
        client.publish(hotspotTopic(key.address, 'witness'), Buffer.from(payload), { qos: 1 }, (err) => {
          if (err) return fail(err);
          acked++;
          if (!killed) ackedBeforeKill.add(reportIdHex(payload));
          if (!killed && acked >= 400) {
            killed = true;
            inFlightAtKill = next - acked;
            started.child.kill('SIGKILL');
            started.child.once('exit', () => {
              startIngest(env).then((s) => { started = s; child = s.child; }, fail);
            });
          }
          if (acked === N) done();
          else send();
        });
      };
      for (let i = 0; i < WINDOW; i++) send();
    });
    await client.endAsync();
    expect(killed).toBe(true);
    expect(inFlightAtKill).toBeGreaterThan(0);

    // Read the store the restarted process wrote (stop it first: PGlite has one writer).
    started.child.kill('SIGTERM');
    await new Promise((r) => started.child.once('exit', r));
    child = null;
    const db = await openDb({ dataDir: join(dataDir, 'pglite') });
    try {
      const rows = await db.query<{ id: Uint8Array; n: bigint }>(`SELECT id, count(*) AS n FROM witness_reports GROUP BY id`);
      const stored = new Map(rows.rows.map((r) => [Buffer.from(r.id).toString('hex'), Number(r.n)]));
      for (const id of ackedBeforeKill) expect(stored.get(id)).toBe(1);
      for (const p of reports) expect(stored.get(reportIdHex(p))).toBe(1);
      expect(stored.size).toBe(N);
    } finally {
      await db.close();
    }
  }, 120_000);
});
