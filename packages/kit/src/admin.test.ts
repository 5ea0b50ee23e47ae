import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { buildHttpApp } from './http.ts';
import { createAdminAuth, envAdminToken } from './admin.ts';

const TOKEN = 'a'.repeat(12) + 'b'.repeat(12) + 'c'.repeat(8);

async function world(opts: { token?: string | undefined; nowMs?: () => number } = {}) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({ write(chunk, _enc, done) { for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l)); done(); } });
  const auth = createAdminAuth({ nowMs: opts.nowMs ?? (() => 0), maxFailures: 3, windowMs: 60_000 });
  const token = 'token' in opts ? opts.token : TOKEN;
  const app = await buildHttpApp({
    title: 't', logger: pino({ level: 'info' }, sink), plugins: [async (a) => {
      a.get('/v1/admin/things/:id', { ...auth.hooks(token) }, async () => ({ ok: true }));
    }],
  });
  return { app, auth, lines, audit: () => lines.filter((l) => l.msg === 'admin.request') };
}

describe('admin authentication', () => {
  it('ADMIN_TOKEN shorter than 24 characters is CONFIG_INVALID, without its value', () => {
    expect(envAdminToken({})).toBeUndefined();
    expect(envAdminToken({ ADMIN_TOKEN: TOKEN })).toBe(TOKEN);
    expect(() => envAdminToken({ ADMIN_TOKEN: 'admin-secret' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining('ADMIN_TOKEN has 12 characters, fewer than 24') }));
    expect(() => envAdminToken({ ADMIN_TOKEN: 'admin-secret' })).not.toThrow(/admin-secret/);
  });

  it('lets the right token through and writes one audit line per admin request, never the token', async () => {
    const w = await world();
    const ok = await w.app.inject({ url: '/v1/admin/things/7', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.statusCode).toBe(200);
    const bad = await w.app.inject({ url: '/v1/admin/things/7', headers: { authorization: `Bearer ${TOKEN.slice(0, -1)}x` } });
    expect(bad.json()).toMatchObject({ code: 'ADMIN_UNAUTHORIZED' });
    expect((await w.app.inject({ url: '/v1/admin/things/7' })).statusCode).toBe(401);
    expect((await w.app.inject({ url: '/v1/admin/things/7', headers: { authorization: TOKEN } })).statusCode).toBe(401); // no "Bearer "
    expect(w.audit()).toEqual([
      expect.objectContaining({ method: 'GET', route: '/v1/admin/things/:id', status: 200, success: true, auth: 'ok', client: '127.0.0.1' }),
      expect.objectContaining({ status: 401, success: false, auth: 'wrong' }),
      expect.objectContaining({ status: 401, success: false, auth: 'missing' }),
      expect.objectContaining({ status: 401, success: false, auth: 'missing' }),
    ]);
    expect(JSON.stringify(w.lines)).not.toContain(TOKEN.slice(0, 24));
    expect(w.auth.stats()).toEqual({ failures: 3, rateLimited: 0 });
    await w.app.close();
  });

  it('after maxFailures a window from one address refuses every token with 429 ADMIN_RATE_LIMITED until the window passes', async () => {
    let now = 1_000_000;
    const w = await world({ nowMs: () => now });
    for (let i = 0; i < 3; i++) expect((await w.app.inject({ url: '/v1/admin/things/1', headers: { authorization: `Bearer guess-${i}` } })).statusCode).toBe(401);
    now += 10_000;
    const limited = await w.app.inject({ url: '/v1/admin/things/1', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ code: 'ADMIN_RATE_LIMITED', details: { retry_after_s: 50 } });
    expect(limited.headers['retry-after']).toBe('50');
    // Another address has its own budget.
    expect((await w.app.inject({ url: '/v1/admin/things/1', remoteAddress: '10.0.0.9', headers: { authorization: `Bearer ${TOKEN}` } })).statusCode).toBe(200);
    expect(w.auth.stats()).toEqual({ failures: 3, rateLimited: 1 });
    expect(w.audit().at(-2)).toMatchObject({ status: 429, auth: 'rate_limited', success: false });
    now += 50_001;
    expect((await w.app.inject({ url: '/v1/admin/things/1', headers: { authorization: `Bearer ${TOKEN}` } })).statusCode).toBe(200);
    await w.app.close();
  });

  it('without a token the admin API is off (403 ADMIN_DISABLED), audited, not counted as a failure', async () => {
    const w = await world({ token: undefined });
    const r = await w.app.inject({ url: '/v1/admin/things/1', headers: { authorization: 'Bearer anything' } });
    expect(r.json()).toMatchObject({ code: 'ADMIN_DISABLED' });
    expect(w.audit()).toEqual([expect.objectContaining({ status: 403, auth: 'disabled', success: false })]);
    expect(w.auth.stats()).toEqual({ failures: 0, rateLimited: 0 });
    await w.app.close();
  });
});
