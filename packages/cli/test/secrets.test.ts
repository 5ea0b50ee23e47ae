// Secrets given as <NAME>_FILE reach the services and never reach the output: the real CLI
// (`hexlight up`), at LOG_LEVEL=debug, with requests that tempt logging (admin calls with the right
// and a wrong token, a registry call with a bad body and credentials in its headers, a forged Stripe
// webhook, MQTT logins as a service user).
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import mqtt from 'mqtt';
import { redactUrl } from '../src/runtime.ts';

const BIN = resolve(import.meta.dirname, '../bin/hexlight.js');

/** Distinctive values: any appearance in the output is a leak, not a coincidence. */
const SECRETS = {
  ADMIN_TOKEN: `adm${randomBytes(16).toString('hex')}`,
  STRIPE_SECRET_KEY: `sk_test_${randomBytes(16).toString('hex')}`,
  STRIPE_WEBHOOK_SECRET: `whsec_${randomBytes(16).toString('hex')}`,
  SERVICE_PASSWORD: `svc${randomBytes(16).toString('hex')}`,
};

/** Runs the CLI; resolves with its exit code and everything it wrote. */
function runCli(args: string[], env: NodeJS.ProcessEnv, cwd: string, onLine?: (line: string, child: ChildProcess) => void): { child: ChildProcess; done: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => { stderr += c.toString(); });
  createInterface({ input: child.stdout! }).on('line', (line) => {
    stdout += `${line}\n`;
    onLine?.(line, child);
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((r) => child.once('exit', (code) => setTimeout(() => r({ code, stdout, stderr }), 50)));
  return { child, done };
}

describe('secrets from files, never in the output', () => {
  let dir = '';
  let child: ChildProcess | null = null;
  afterAll(async () => {
    child?.kill('SIGKILL');
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('hexlight up reads every secret from its _FILE, uses it, and prints none of them', async () => {
    dir = await mkdtemp(join(tmpdir(), 'hexlight-secrets-'));
    const file = async (name: string, value: string) => {
      const path = join(dir, name);
      await writeFile(path, `${value}\n`, { mode: 0o600 });
      return path;
    };
    const env: NodeJS.ProcessEnv = {
      ...process.env, DATA_DIR: join(dir, 'data'), HTTP_PORT: '0', INGEST_MQTT_PORT: '0', LOG_LEVEL: 'debug', STATUS_INTERVAL_S: '1',
      ADMIN_TOKEN_FILE: await file('admin_token', SECRETS.ADMIN_TOKEN),
      STRIPE_SECRET_KEY_FILE: await file('stripe_key', SECRETS.STRIPE_SECRET_KEY),
      STRIPE_WEBHOOK_SECRET_FILE: await file('stripe_webhook', SECRETS.STRIPE_WEBHOOK_SECRET),
      INGEST_SERVICE_USERS_FILE: await file('service_users', `svc:${SECRETS.SERVICE_PASSWORD}`),
    };
    for (const k of Object.keys(SECRETS)) delete env[k];
    let banner = '';
    let exited: Promise<{ code: number | null; stdout: string; stderr: string }> | undefined;
    const ready = new Promise<void>((resolveReady, reject) => {
      const timer = setTimeout(() => reject(new Error('no start-up banner within 60 s')), 60_000);
      const run = runCli(['up', '--no-sim'], env, dir, (line) => {
        banner += `${line}\n`;
        if (line.includes('Ctrl-C')) {
          clearTimeout(timer);
          resolveReady();
        }
      });
      child = run.child;
      exited = run.done;
    });
    await ready;
    const api = /HTTP API\s+(http:\/\/\S+)/.exec(banner)![1]!;
    const mqttUrl = /MQTT\s+(mqtt:\/\/\S+)/.exec(banner)![1]!;

    // The admin API answers the token from the file (so the file was read) and refuses another.
    const admin = await fetch(`${api}/v1/admin/denylist`, { headers: { authorization: `Bearer ${SECRETS.ADMIN_TOKEN}` } });
    expect(admin.status).toBe(200);
    const wrong = await fetch(`${api}/v1/admin/denylist`, { headers: { authorization: `Bearer ${SECRETS.ADMIN_TOKEN.slice(0, -4)}beef` } });
    expect(((await wrong.json()) as { code: string }).code).toBe('ADMIN_UNAUTHORIZED');
    // A registry call with a bad body, carrying credentials in its headers.
    const bad = await fetch(`${api}/v1/hotspots`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRETS.ADMIN_TOKEN}`, 'x-api-key': SECRETS.STRIPE_SECRET_KEY },
      body: JSON.stringify({ address: 'not-an-address', owner: 42 }),
    });
    expect(bad.status).toBe(400);
    // A forged Stripe webhook: refused by the signing secret from the file.
    const forged = await fetch(`${api}/v1/payments/stripe/webhook`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': `t=1,v1=${'0'.repeat(64)}` }, body: '{"id":"evt_1","type":"checkout.session.completed"}',
    });
    expect(forged.status).toBeGreaterThanOrEqual(400);
    // The broker knows the service user from the file; a wrong password is refused.
    const svc = await mqtt.connectAsync(mqttUrl, { clientId: 'svc-test', username: 'svc', password: SECRETS.SERVICE_PASSWORD, protocolVersion: 4, reconnectPeriod: 0 });
    await svc.endAsync();
    await expect(mqtt.connectAsync(mqttUrl, { clientId: 'svc-test-2', username: 'svc', password: `${SECRETS.SERVICE_PASSWORD}x`, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000 })).rejects.toThrow();
    // The counters answer for the failures (one admin failure).
    const metrics = await (await fetch(`${api}/metrics`)).text();
    expect(metrics).toMatch(/^hexlight_admin_auth_failures_total 1$/m);
    await new Promise((r) => setTimeout(r, 1200)); // one status line more

    child!.kill('SIGTERM');
    const out = await exited!;
    child = null;
    expect(out.code).toBe(0);
    const all = out.stdout + out.stderr;
    expect(all).toContain('stopped.');
    // Debug logs were on (fastify's request lines), so silence is not an accident of the level.
    expect(out.stderr).toContain('"msg":"incoming request"');
    const audit = out.stderr.split('\n').filter((l) => l.includes('"msg":"admin.request"')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(audit).toEqual([
      expect.objectContaining({ method: 'GET', route: '/v1/admin/denylist', status: 200, success: true, auth: 'ok' }),
      expect.objectContaining({ method: 'GET', route: '/v1/admin/denylist', status: 401, success: false, auth: 'wrong' }),
    ]);
    for (const [name, value] of Object.entries(SECRETS)) {
      expect(all.includes(value), `${name} appears in the output`).toBe(false);
      // Nor a recognisable piece of it (a truncated or partially masked copy).
      expect(all.includes(value.slice(-16)), `${name}'s tail appears in the output`).toBe(false);
    }
  }, 120_000);

  it('refuses a missing or empty secret file, both forms at once, and a short admin token, naming the variable and path', async () => {
    dir ||= await mkdtemp(join(tmpdir(), 'hexlight-secrets-'));
    const base: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: join(dir, 'refused'), HTTP_PORT: '0', INGEST_MQTT_PORT: '0' };
    delete base.ADMIN_TOKEN;
    const missing = join(dir, 'no-such-file');
    const r1 = await runCli(['up', '--no-sim'], { ...base, ADMIN_TOKEN_FILE: missing }, dir).done;
    expect(r1.code).toBe(1);
    expect(r1.stderr).toContain(`hexlight: CONFIG_INVALID: ADMIN_TOKEN_FILE=${missing} cannot be read (ENOENT)`);

    const empty = join(dir, 'empty');
    await writeFile(empty, '\n');
    const r2 = await runCli(['up', '--no-sim'], { ...base, STRIPE_WEBHOOK_SECRET_FILE: empty }, dir).done;
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain(`STRIPE_WEBHOOK_SECRET_FILE=${empty} is empty`);

    const short = join(dir, 'short');
    await writeFile(short, 'guessable-token\n');
    const r3 = await runCli(['up', '--no-sim'], { ...base, ADMIN_TOKEN_FILE: short }, dir).done;
    expect(r3.code).toBe(1);
    expect(r3.stderr).toContain('CONFIG_INVALID: ADMIN_TOKEN has 15 characters, fewer than 24');
    expect(r3.stderr).not.toContain('guessable-token');

    const r4 = await runCli(['up', '--no-sim'], { ...base, ADMIN_TOKEN: 'x'.repeat(30), ADMIN_TOKEN_FILE: short }, dir).done;
    expect(r4.code).toBe(1);
    expect(r4.stderr).toContain('CONFIG_INVALID: ADMIN_TOKEN and ADMIN_TOKEN_FILE are both set');
    expect(r4.stderr).not.toContain('x'.repeat(30));
  }, 60_000);
});

describe('redactUrl', () => {
  it('keeps scheme and host; user names, passwords, API keys in paths and queries become markers', () => {
    expect(redactUrl('postgres://hexlight:pw@db:5432/hexlight?sslmode=require&password=pw2')).toBe('postgres://***@db:5432/…');
    expect(redactUrl('https://mainnet.helius-rpc.com/?api-key=k3y')).toBe('https://mainnet.helius-rpc.com/…');
    expect(redactUrl('https://x.solana-mainnet.quiknode.pro/t0ken/')).toBe('https://x.solana-mainnet.quiknode.pro/…');
    expect(redactUrl('mqtt://tokenasuser@broker:1883')).toBe('mqtt://***@broker:1883');
    expect(redactUrl('http://127.0.0.1:8899')).toBe('http://127.0.0.1:8899');
    expect(redactUrl('not a url with s3cret')).toBe('(unparseable URL)');
  });
});
