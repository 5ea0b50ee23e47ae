import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { silentLogger } from '@hexlight/kit';
import { simClock } from '../src/network-clock.ts';

const BIN = resolve(import.meta.dirname, '../bin/hexlight.js');

interface NetworkClock { now_ms: number; speed: number; origin_real_ms: number; origin_clock_ms: number }

/** Starts `hexlight <args>` and resolves with its stdout lines once `until` matches one. */
function startUntil(args: string[], env: Record<string, string>, cwd: string, until: RegExp, lines: string[]): { child: ChildProcess; ready: Promise<void> } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr!.resume();
  const ready = new Promise<void>((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${until} after 45 s:\n${lines.join('\n')}`)), 45_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      if (until.test(line)) {
        clearTimeout(timer);
        resolveReady();
      }
    });
  });
  return { child, ready };
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', (code) => r(code))));
}

describe('hexlight up --speed (accelerated time)', () => {
  const children: ChildProcess[] = [];
  let dataDir = '';
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('serves its clock at /v1/network/clock running 600× real time; hexlight sim follows it and refuses another --speed', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'hexlight-speed-'));
    const lines: string[] = [];
    const up = startUntil(['up', '--speed', '600', '--no-sim'], { DATA_DIR: dataDir, HTTP_PORT: '0', INGEST_MQTT_PORT: '0', STATUS_INTERVAL_S: '1' }, dataDir, /Ctrl-C/, lines);
    children.push(up.child);
    await up.ready;
    const text = lines.join('\n');
    expect(text).toMatch(/Clock\s+600× real time, simulated now \d{4}-\d\d-\d\dT/);
    expect(text).toMatch(/Rewards\s+epochs of 3600 s \(6\.0 s real\)/);
    const api = /HTTP API\s+(http:\/\/\S+)/.exec(text)![1]!;
    const mqtt = /MQTT\s+(mqtt:\/\/\S+)/.exec(text)![1]!;

    const read = async () => {
      const r0 = Date.now();
      const body = (await (await fetch(`${api}/v1/network/clock`)).json()) as NetworkClock;
      return { body, real: (r0 + Date.now()) / 2, rtt: Date.now() - r0 };
    };
    // A reading's real instant is known to within half its round trip: keep the sharpest of a few.
    const sharpest = async () => {
      let best = await read();
      for (let i = 0; i < 3; i++) {
        const r = await read();
        if (r.rtt < best.rtt) best = r;
      }
      return best;
    };
    const a = await sharpest();
    expect(a.body.speed).toBe(600);
    // The description rebuilds the clock it came from (to within the request's round trip).
    expect(Math.abs(a.body.origin_clock_ms + (a.real - a.body.origin_real_ms) * 600 - a.body.now_ms)).toBeLessThanOrEqual(600 * (a.rtt / 2 + 2));
    await new Promise((r) => setTimeout(r, 1000));
    const b = await sharpest();
    const blur = (a.rtt + b.rtt) / 2;
    expect(blur).toBeLessThan((b.real - a.real) / 4);
    const elapsed = b.body.now_ms - a.body.now_ms;
    expect(elapsed / (b.real - a.real + blur + 2)).toBeLessThan(600 * 1.01);
    expect(elapsed / (b.real - a.real - blur - 2)).toBeGreaterThan(600 * 0.99);
    expect((await (await fetch(`${api}/v1/rewards/status`)).json()) as object).toMatchObject({ epoch_length_s: 3600 });

    // A simulator that insists on another speed stops before touching the network; one that
    // follows the network's clock onboards and connects: the registry and the broker accept its
    // signed timestamps and connect tokens, which are in network time.
    await expect(simClock({ apiUrl: api, speed: 300, follow: true, log: silentLogger() })).rejects.toThrow(
      expect.objectContaining({ code: 'SIM_CLOCK_MISMATCH', message: expect.stringMatching(/--speed 300 but the network .* runs at 600×/) }),
    );
    const simLines: string[] = [];
    const sim = startUntil(['sim', '--api', api, '--mqtt', mqtt, '--hotspots', '4'], {}, dataDir, /following the network's clock/, simLines);
    children.push(sim.child);

    await sim.ready;
    expect(simLines.join('\n')).toMatch(/following the network's clock: 600× real time/);
    const deadline = Date.now() + 20_000;
    let stats = { hotspots: 0, online: 0 };
    while (stats.online < 4 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      stats = (await (await fetch(`${api}/v1/network/stats`)).json()) as typeof stats;
    }
    expect(stats).toMatchObject({ hotspots: 4, online: 4 });
    // The live status line shows network time.
    expect(lines.some((l) => /^\[\d\d:\d\d:\d\d \+\d+s · simulated \d{4}-\d\d-\d\dT[\d:]+Z\] hotspots/.test(l))).toBe(true);

    sim.child.kill('SIGINT'); // (before its start-up finished, a signal ends it without its clean stop)
    await exited(sim.child);
    up.child.kill('SIGINT');
    expect(await exited(up.child)).toBe(0);
  }, 90_000);
});
