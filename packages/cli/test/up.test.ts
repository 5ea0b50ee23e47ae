import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

const BIN = resolve(import.meta.dirname, '../bin/hexlight.js');

describe('hexlight up (what npm start runs)', () => {
  let child: ChildProcess | null = null;
  let dataDir = '';
  afterAll(async () => {
    child?.kill('SIGKILL');
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('shows connected hotspots and stored beacons and witnesses within 30 s, and stops cleanly on Ctrl-C', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'hexlight-up-'));
    const started = Date.now();
    // From another directory, as an operator would run it (worker threads must still find tsx).
    child = spawn(process.execPath, [BIN, 'up'], {
      cwd: dataDir,
      env: { ...process.env, DATA_DIR: dataDir, HTTP_PORT: '0', INGEST_MQTT_PORT: '0', SIM_HOTSPOTS: '12', SIM_BEACON_INTERVAL_S: '4', STATUS_INTERVAL_S: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stderr!.resume();
    const lines: string[] = [];
    const seen = await new Promise<{ online: number; beacons: number; witnesses: number }>((resolveSeen, reject) => {
      const timer = setTimeout(() => reject(new Error(`no stored beacons and witnesses after 30 s:\n${lines.join('\n')}`)), 30_000);
      createInterface({ input: child!.stdout! }).on('line', (line) => {
        lines.push(line);
        const m = /online (\d+).*stored beacons (\d+) · witnesses (\d+)/.exec(line);
        if (m && Number(m[1]) > 0 && Number(m[2]) > 0 && Number(m[3]) > 0) {
          clearTimeout(timer);
          resolveSeen({ online: Number(m[1]), beacons: Number(m[2]), witnesses: Number(m[3]) });
        }
      });
    });
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(seen.online).toBe(12);
    expect(lines.some((l) => l.includes('HTTP API') && l.includes('http://'))).toBe(true);
    expect(lines.some((l) => l.includes('Store') && l.includes(dataDir))).toBe(true);
    // The rewards service is up: operator keys created on first start, the mint exists on the ledger.
    expect(lines.filter((l) => /created .*keys\/(payer|mint)\.json/.test(l))).toHaveLength(2);
    const api = /HTTP API\s+(http:\/\/\S+)/.exec(lines.join('\n'))![1]!;
    const status = await (await fetch(`${api}/v1/rewards/status`)).json() as { mint: string; epoch_length_s: number; payouts: { stuck: number } };
    expect(status).toMatchObject({ epoch_length_s: 600, payouts: { stuck: 0 } });
    expect(lines.some((l) => l.includes(`mint ${status.mint}`))).toBe(true);
    const exit = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
    child.kill('SIGINT');
    expect(await exit).toBe(0);
    expect(lines.some((l) => l.includes('stopped.'))).toBe(true);
    child = null;

    // A restart on the same DATA_DIR keeps the operator's keys and the ledger's mint.
    child = spawn(process.execPath, [BIN, 'up', '--no-sim'], {
      cwd: dataDir, env: { ...process.env, DATA_DIR: dataDir, HTTP_PORT: '0', INGEST_MQTT_PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stderr!.resume();
    const again: string[] = [];
    await new Promise<void>((resolveUp, reject) => {
      const timer = setTimeout(() => reject(new Error(`no start-up summary after 30 s:\n${again.join('\n')}`)), 30_000);
      createInterface({ input: child!.stdout! }).on('line', (line) => {
        again.push(line);
        if (line.includes('Ctrl-C')) {
          clearTimeout(timer);
          resolveUp();
        }
      });
    });
    expect(again.some((l) => l.includes(`mint ${status.mint}`))).toBe(true);
    expect(again.some((l) => l.includes('created'))).toBe(false);
    const api2 = /HTTP API\s+(http:\/\/\S+)/.exec(again.join('\n'))![1]!;
    expect(((await (await fetch(`${api2}/v1/rewards/status`)).json()) as { mint: string }).mint).toBe(status.mint);
    const exit2 = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
    child.kill('SIGINT');
    expect(await exit2).toBe(0);
    child = null;
  }, 90_000);
});
