// Organisations through the API on a real store: signup keys, authentication, DC credits and the
// ledger, DevAddr ranges, devices and traffic. PGlite by default, PostgreSQL with TEST_DATABASE_URL.
import { createHash, randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyCredit } from '../src/index.ts';
import { accountsWorld, ADMIN, T0, type AccountsWorld } from './accounts-kit.ts';

let w: AccountsWorld;
beforeEach(async () => {
  w = await accountsWorld({ pool: { start: 0x4800_0000, end: 0x4800_00ff } });
});
afterEach(async () => {
  await w.close();
});

const grant = (orgId: string, dc: number, ref: string, token = ADMIN) =>
  w.app.inject({ method: 'POST', url: `/v1/admin/orgs/${orgId}/grants`, headers: { authorization: `Bearer ${token}` }, payload: { dc, ref } });

describe('signup and keys', () => {
  it('returns the key once and stores only its SHA-256 and a short prefix', async () => {
    const res = await w.app.inject({ method: 'POST', url: '/v1/orgs', payload: { name: 'Acme Sensors', multi_buy: 3 } });
    expect(res.statusCode).toBe(201);
    const { org, api_key: key } = res.json();
    expect(key).toMatch(/^hxl_[A-Za-z0-9_-]{43}$/);
    expect(org).toMatchObject({ name: 'Acme Sensors', multi_buy: 3, dc_balance: 0, disabled: false, disabled_reason: null });
    expect(org.id).toMatch(/^org_[0-9a-f]{16}$/);

    const rows = await w.db.query<{ key_hash: Buffer; prefix: string; org_id: string }>('SELECT key_hash, prefix, org_id FROM org_api_keys');
    expect(rows.rows).toHaveLength(1);
    expect(Buffer.from(rows.rows[0]!.key_hash).equals(createHash('sha256').update(key).digest())).toBe(true);
    expect(rows.rows[0]!.prefix).toBe(key.slice(0, 12));
    expect(key.length).toBeGreaterThan(40);
    // The key itself is nowhere in the store.
    const dump = await w.db.query<{ t: string }>(`SELECT row_to_json(k)::text AS t FROM org_api_keys k UNION ALL SELECT row_to_json(o)::text FROM organisations o`);
    expect(dump.rows.some((r) => r.t.includes(key.slice(4)))).toBe(false);

    const me = await w.as(key, 'GET', '/v1/orgs/me');
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ id: org.id, api_keys: [{ prefix: key.slice(0, 12) }] });
    expect(me.body).not.toContain(key);
  });

  it('refuses missing, malformed, unknown and revoked keys with ORG_KEY_INVALID, before validating the body', async () => {
    const { key } = await w.signup();
    const unknown = `hxl_${randomBytes(32).toString('base64url')}`;
    for (const authorization of [undefined, 'Bearer', 'Bearer hxl_short', `Basic ${key}`, `Bearer ${unknown}`]) {
      const res = await w.app.inject({ method: 'GET', url: '/v1/orgs/me', headers: authorization ? { authorization } : {} });
      expect(res.statusCode).toBe(401);
      expect(res.json().code).toBe('ORG_KEY_INVALID');
    }
    const noKeyBadBody = await w.app.inject({ method: 'POST', url: '/v1/orgs/me/devices', payload: { nonsense: true } });
    expect([noKeyBadBody.statusCode, noKeyBadBody.json().code]).toEqual([401, 'ORG_KEY_INVALID']);

    const rotated = await w.as(key, 'POST', '/v1/orgs/me/keys');
    expect(rotated.statusCode).toBe(201);
    const fresh = rotated.json().api_key as string;
    expect(fresh).not.toBe(key);
    expect((await w.as(key, 'GET', '/v1/orgs/me')).json().code).toBe('ORG_KEY_INVALID');
    const me = await w.as(fresh, 'GET', '/v1/orgs/me');
    expect(me.statusCode).toBe(200);
    expect(me.json().api_keys).toEqual([{ prefix: fresh.slice(0, 12), created_at: new Date(T0).toISOString() }]);
    expect(await w.count('org_api_keys', 'revoked_at IS NOT NULL')).toBe(1);
  });

  it('updates name and multi-buy; a bad value changes nothing', async () => {
    const { key } = await w.signup('first');
    expect((await w.as(key, 'PATCH', '/v1/orgs/me', { multi_buy: 0 })).json().code).toBe('INVALID_REQUEST');
    expect((await w.as(key, 'PATCH', '/v1/orgs/me', {})).json().code).toBe('INVALID_REQUEST');
    const ok = await w.as(key, 'PATCH', '/v1/orgs/me', { name: 'second', multi_buy: 4 });
    expect(ok.json()).toMatchObject({ name: 'second', multi_buy: 4 });
    expect((await w.as(key, 'PATCH', '/v1/orgs/me', { multi_buy: 101 })).statusCode).toBe(400);
    expect((await w.as(key, 'GET', '/v1/orgs/me')).json()).toMatchObject({ name: 'second', multi_buy: 4 });
  });
});

describe('DC credits and the ledger', () => {
  it('grants once per ref, records balance_after, and pages the ledger newest first', async () => {
    const { id, key } = await w.signup();
    expect((await grant(id, 1_000, 'welcome')).statusCode).toBe(201);
    const again = await grant(id, 1_000, 'welcome');
    expect([again.statusCode, again.json().created]).toEqual([200, false]);
    const conflict = await grant(id, 2_000, 'welcome');
    expect([conflict.statusCode, conflict.json().code]).toEqual([409, 'ORG_CREDIT_CONFLICT']);
    expect((await grant(id, 500, 'bonus')).json().entry).toMatchObject({ kind: 'grant', amount: 500, balance_after: 1_500, ref: 'bonus' });
    expect(await w.balance(id)).toBe(1_500n);

    expect((await grant(id, 1, 'x', 'wrong')).json().code).toBe('ADMIN_UNAUTHORIZED');
    expect((await grant('org_0000000000000000', 1, 'x')).json().code).toBe('ORG_NOT_FOUND');
    expect(await w.count('dc_ledger')).toBe(2);

    const page1 = (await w.as(key, 'GET', '/v1/orgs/me/ledger?limit=1')).json();
    expect(page1.entries.map((e: { ref: string }) => e.ref)).toEqual(['bonus']);
    const page2 = (await w.as(key, 'GET', `/v1/orgs/me/ledger?limit=1&before=${page1.next_before}`)).json();
    expect(page2.entries).toMatchObject([{ ref: 'welcome', amount: 1_000, balance_after: 1_000, details: { by: 'operator' } }]);
    expect((await w.as(key, 'GET', '/v1/orgs/me')).json().dc_balance).toBe(1_500);
  });

  it('a refund takes at most the balance and records the shortfall', async () => {
    const { id } = await w.signup();
    await grant(id, 700, 'g');
    const r = await w.db.transaction((tx) => applyCredit(tx, { orgId: id, kind: 'refund', ref: 're_1', dc: 1_000n, at: new Date(T0) }));
    expect(r).toMatchObject({ created: true, shortfall: 300n });
    expect(r.entry).toMatchObject({ amount: -700n, balanceAfter: 0n, details: { requested: 1_000, shortfall: 300 } });
    expect(await w.balance(id)).toBe(0n);
    const replay = await w.db.transaction((tx) => applyCredit(tx, { orgId: id, kind: 'refund', ref: 're_1', dc: 1_000n, at: new Date(T0) }));
    expect(replay.created).toBe(false);
    expect(await w.count('dc_ledger')).toBe(2);
  });

  it('a credit re-enables an organisation disabled for its balance, in the same transaction, and records it', async () => {
    const { id, key } = await w.signup();
    await w.db.query(`UPDATE organisations SET disabled = true, disabled_reason = 'insufficient_balance', disabled_at = $2 WHERE id = $1`, [id, new Date(T0)]);
    const before = (await w.as(key, 'GET', '/v1/orgs/me')).json();
    expect(before).toMatchObject({ disabled: true, disabled_reason: 'insufficient_balance: top up to resume', disabled_at: new Date(T0).toISOString() });

    const res = (await grant(id, 10, 'topup')).json();
    expect(res.reenabled).toBe(true);
    expect(res.entry.details).toMatchObject({ reenabled: true });
    expect((await w.as(key, 'GET', '/v1/orgs/me')).json()).toMatchObject({ disabled: false, disabled_reason: null, disabled_at: null, dc_balance: 10 });

    // An operator's disable is not lifted by money.
    await w.db.query(`UPDATE organisations SET disabled = true, disabled_reason = 'operator' WHERE id = $1`, [id]);
    expect((await grant(id, 10, 'more')).json().reenabled).toBe(false);
    expect((await w.as(key, 'GET', '/v1/orgs/me')).json()).toMatchObject({ disabled: true, disabled_reason: 'operator: disabled by the network operator' });
  });
});

describe('DevAddr ranges', () => {
  it('adds hex and integer ranges, refuses overlaps across organisations, and changes nothing when refused', async () => {
    const a = await w.signup('a');
    const b = await w.signup('b');
    const r1 = await w.as(a.key, 'POST', '/v1/orgs/me/ranges', { start: '48000000', end: '48000007' });
    expect(r1.statusCode).toBe(201);
    expect(r1.json()).toMatchObject({ start: '48000000', end: '48000007', size: 8 });
    const r2 = await w.as(a.key, 'POST', '/v1/orgs/me/ranges', { start: 0x4900_0000, end: 0x4900_000f });
    expect(r2.json()).toMatchObject({ start: '49000000', end: '4900000f', size: 16 });

    const overlap = await w.as(b.key, 'POST', '/v1/orgs/me/ranges', { start: '48000004', end: '4800000A' });
    expect([overlap.statusCode, overlap.json().code]).toEqual([409, 'ORG_RANGE_OVERLAP']);
    expect(overlap.json().details.overlaps).toEqual({ start: '48000000', end: '48000007', own: false });
    for (const [body, code] of [
      [{ start: '48000010', end: '4800000f' }, 'ORG_RANGE_INVALID'],
      [{ start: '10000000', end: '20000000' }, 'ORG_RANGE_TOO_LARGE'],
      [{ start: 'xyz', end: '48000000' }, 'INVALID_REQUEST'],
      [{ start: -1, end: 4 }, 'INVALID_REQUEST'],
      [{ start: '48000010' }, 'INVALID_REQUEST'],
    ] as const) {
      expect((await w.as(b.key, 'POST', '/v1/orgs/me/ranges', body)).json().code).toBe(code);
    }
    expect(await w.count('devaddr_ranges')).toBe(2);
    expect((await w.as(b.key, 'GET', '/v1/orgs/me/ranges')).json().ranges).toEqual([]);
  });

  it('two concurrent overlapping adds: exactly one wins', async () => {
    const a = await w.signup('a');
    const b = await w.signup('b');
    const results = await Promise.all([
      w.as(a.key, 'POST', '/v1/orgs/me/ranges', { start: '48000100', end: '480001ff' }),
      w.as(b.key, 'POST', '/v1/orgs/me/ranges', { start: '48000180', end: '4800027f' }),
    ]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409]);
    expect(await w.count('devaddr_ranges')).toBe(1);
  });

  it('hands out the lowest free block of the pool and says when none is left', async () => {
    const a = await w.signup('a');
    const b = await w.signup('b');
    await w.as(a.key, 'POST', '/v1/orgs/me/ranges', { start: '48000000', end: '48000007' });
    await w.as(a.key, 'POST', '/v1/orgs/me/ranges', { start: '48000010', end: '4800001f' });
    // The 8-address gap at 48000008 fits 8 but not 9.
    expect((await w.as(b.key, 'POST', '/v1/orgs/me/ranges', { size: 8 })).json()).toMatchObject({ start: '48000008', end: '4800000f' });
    expect((await w.as(b.key, 'POST', '/v1/orgs/me/ranges', { size: 9 })).json()).toMatchObject({ start: '48000020', end: '48000028' });
    const full = await w.as(b.key, 'POST', '/v1/orgs/me/ranges', { size: 256 });
    expect([full.statusCode, full.json().code]).toEqual([409, 'ORG_RANGE_POOL_EXHAUSTED']);
    expect((await w.as(b.key, 'POST', '/v1/orgs/me/ranges', { size: 70_000 })).json().code).toBe('ORG_RANGE_TOO_LARGE');
    expect(await w.count('devaddr_ranges')).toBe(4);
  });

  it('deletes a range unless a device uses it; another organisation\'s range is not found', async () => {
    const a = await w.signup('a');
    const b = await w.signup('b');
    const range = (await w.as(a.key, 'POST', '/v1/orgs/me/ranges', { start: '48000000', end: '48000007' })).json();
    expect((await w.as(b.key, 'DELETE', `/v1/orgs/me/ranges/${range.id}`)).json().code).toBe('ORG_RANGE_NOT_FOUND');
    await w.as(a.key, 'POST', '/v1/orgs/me/devices', { dev_eui: '0011223344556677', dev_addr: '48000003' });
    const inUse = await w.as(a.key, 'DELETE', `/v1/orgs/me/ranges/${range.id}`);
    expect([inUse.statusCode, inUse.json().code, inUse.json().details]).toEqual([409, 'ORG_RANGE_IN_USE', { devices: 1 }]);
    expect(await w.count('devaddr_ranges')).toBe(1);
    await w.as(a.key, 'DELETE', '/v1/orgs/me/devices/0011223344556677');
    expect((await w.as(a.key, 'DELETE', `/v1/orgs/me/ranges/${range.id}`)).statusCode).toBe(204);
    expect(await w.count('devaddr_ranges')).toBe(0);
  });
});

describe('devices', () => {
  it('registers devices whose DevAddr lies in the organisation\'s ranges and refuses the rest', async () => {
    const a = await w.signup('a');
    const b = await w.signup('b');
    await w.as(a.key, 'POST', '/v1/orgs/me/ranges', { start: '48000000', end: '48000007' });
    await w.as(b.key, 'POST', '/v1/orgs/me/ranges', { start: '48000008', end: '4800000f' });

    const ok = await w.as(a.key, 'POST', '/v1/orgs/me/devices', { dev_eui: 'A0B1C2D3E4F50617', join_eui: '70B3D57ED0000000', dev_addr: '48000007', name: 'meter 1' });
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toMatchObject({ dev_eui: 'a0b1c2d3e4f50617', join_eui: '70b3d57ed0000000', dev_addr: '48000007', name: 'meter 1' });
    expect((await w.as(a.key, 'POST', '/v1/orgs/me/devices', { dev_eui: '0000000000000001' })).statusCode).toBe(201);

    for (const [body, status, code] of [
      [{ dev_eui: '0000000000000002', dev_addr: '48000008' }, 422, 'ORG_DEVICE_ADDR_NOT_OWNED'], // b's range
      [{ dev_eui: '0000000000000002', dev_addr: 0x5000_0000 }, 422, 'ORG_DEVICE_ADDR_NOT_OWNED'],
      [{ dev_eui: 'a0b1c2d3e4f50617' }, 409, 'ORG_DEVICE_EXISTS'],
      [{ dev_eui: '00000000000000' }, 400, 'INVALID_REQUEST'],
      [{ dev_eui: '0000000000000003', extra: 1 }, 400, 'INVALID_REQUEST'],
    ] as const) {
      const res = await w.as(a.key, 'POST', '/v1/orgs/me/devices', body);
      expect([res.statusCode, res.json().code]).toEqual([status, code]);
    }
    // Another organisation cannot take a registered DevEUI either.
    expect((await w.as(b.key, 'POST', '/v1/orgs/me/devices', { dev_eui: 'a0b1c2d3e4f50617' })).json().code).toBe('ORG_DEVICE_EXISTS');
    expect(await w.count('devices')).toBe(2);

    const list = (await w.as(a.key, 'GET', '/v1/orgs/me/devices?limit=1')).json();
    expect(list.devices.map((d: { dev_eui: string }) => d.dev_eui)).toEqual(['0000000000000001']);
    const next = (await w.as(a.key, 'GET', `/v1/orgs/me/devices?limit=1&after=${list.next_after}`)).json();
    expect(next.devices.map((d: { dev_eui: string }) => d.dev_eui)).toEqual(['a0b1c2d3e4f50617']);
    expect((await w.as(b.key, 'GET', '/v1/orgs/me/devices')).json().devices).toEqual([]);

    expect((await w.as(b.key, 'DELETE', '/v1/orgs/me/devices/a0b1c2d3e4f50617')).json().code).toBe('ORG_DEVICE_NOT_FOUND');
    expect((await w.as(a.key, 'DELETE', '/v1/orgs/me/devices/A0B1C2D3E4F50617')).statusCode).toBe(204);
    expect(await w.count('devices')).toBe(1);
  });
});

describe('traffic', () => {
  const HOUR = 3_600_000;
  async function packet(org: string, atMs: number, hotspot: string, opts: { devAddr?: number; devEui?: string; bought: boolean; size: number; frame: string }): Promise<void> {
    const dc = opts.bought && opts.devAddr !== undefined ? Math.ceil(Math.max(opts.size, 24) / 24) : 0;
    const reason = opts.bought ? null : opts.devAddr === undefined ? 'join' : 'multi_buy';
    await w.db.query(
      `INSERT INTO packet_reports (id, received_at, hotspot, org_id, mtype, dev_addr, dev_eui, fcnt, payload_size, payload_hash, rssi, snr, frequency, datarate,
         hotspot_ts, bought, dc, reason, payload)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, -90, 7.5, 868100000, 5, 0, $11, $12, $13, $14)`,
      [
        randomBytes(32), new Date(atMs), hotspot, org, opts.devAddr === undefined ? 0 : 2, opts.devAddr ?? null, opts.devEui ?? null,
        opts.devAddr === undefined ? null : 1, opts.size, createHash('sha256').update(opts.frame).digest(),
        opts.bought && opts.devAddr !== undefined, dc, opts.devAddr === undefined ? 'join' : reason, Buffer.alloc(opts.size),
      ],
    );
  }

  it('sums copies, frames, bought copies, DC and bytes per UTC day, per device and per hotspot', async () => {
    const a = await w.signup('a');
    const other = await w.signup('other');
    await w.as(a.key, 'POST', '/v1/orgs/me/ranges', { start: '48000000', end: '48000007' });
    await w.as(a.key, 'POST', '/v1/orgs/me/devices', { dev_eui: '0000000000000001', dev_addr: '48000001', name: 'meter' });
    const day1 = Date.UTC(2026, 2, 1, 10);
    const day2 = Date.UTC(2026, 2, 2, 9);
    // Day 1: one 50-byte frame heard by two hotspots (multi_buy 1: one bought, 3 DC), a join.
    await packet(a.id, day1, 'hsA', { devAddr: 0x4800_0001, bought: true, size: 50, frame: 'f1' });
    await packet(a.id, day1 + 5, 'hsB', { devAddr: 0x4800_0001, bought: false, size: 50, frame: 'f1' });
    await packet(a.id, day1 + HOUR, 'hsA', { devEui: '0000000000000001', bought: false, size: 23, frame: 'j1' });
    // Day 2: two 10-byte frames through hsB (1 DC each), and an unknown device's frame.
    await packet(a.id, day2, 'hsB', { devAddr: 0x4800_0001, bought: true, size: 10, frame: 'f2' });
    await packet(a.id, day2 + 1, 'hsB', { devAddr: 0x4800_0001, bought: true, size: 10, frame: 'f3' });
    await packet(a.id, day2 + 2, 'hsB', { devAddr: 0x4800_0005, bought: true, size: 30, frame: 'f4' });
    await packet(other.id, day2, 'hsB', { devAddr: 0x4900_0000, bought: true, size: 99, frame: 'x' });
    await packet(a.id, Date.UTC(2026, 1, 1), 'hsA', { devAddr: 0x4800_0001, bought: true, size: 10, frame: 'old' }); // outside the window

    const q = '&from=2026-02-25T00:00:00Z&to=2026-03-03T00:00:00Z';
    const byDevice = (await w.as(a.key, 'GET', `/v1/orgs/me/traffic?by=device${q}`)).json();
    expect(byDevice.truncated).toBe(false);
    expect(byDevice.rows).toEqual([
      { day: '2026-03-02', dev_eui: '0000000000000001', dev_addr: '48000001', name: 'meter', copies: 2, frames: 2, bought: 2, dc: 2, bytes: 20 },
      { day: '2026-03-02', dev_eui: null, dev_addr: '48000005', name: null, copies: 1, frames: 1, bought: 1, dc: 2, bytes: 30 },
      { day: '2026-03-01', dev_eui: '0000000000000001', dev_addr: '48000001', name: 'meter', copies: 2, frames: 1, bought: 1, dc: 3, bytes: 50 },
      { day: '2026-03-01', dev_eui: '0000000000000001', dev_addr: null, name: 'meter', copies: 1, frames: 1, bought: 0, dc: 0, bytes: 0 },
    ]);
    const byHotspot = (await w.as(a.key, 'GET', `/v1/orgs/me/traffic?by=hotspot${q}`)).json();
    expect(byHotspot.rows).toEqual([
      { day: '2026-03-02', hotspot: 'hsB', copies: 3, frames: 3, bought: 3, dc: 4, bytes: 50 },
      { day: '2026-03-01', hotspot: 'hsA', copies: 2, frames: 2, bought: 1, dc: 3, bytes: 50 },
      { day: '2026-03-01', hotspot: 'hsB', copies: 1, frames: 1, bought: 0, dc: 0, bytes: 0 },
    ]);
    const truncated = (await w.as(a.key, 'GET', `/v1/orgs/me/traffic?by=hotspot&limit=2${q}`)).json();
    expect([truncated.rows.length, truncated.truncated]).toEqual([2, true]);
    // Default window: the 7 days before now (T0 = 2026-03-02 12:00).
    expect((await w.as(a.key, 'GET', '/v1/orgs/me/traffic?by=hotspot')).json().rows).toHaveLength(3);

    for (const bad of ['&from=2026-03-03T00:00:00Z&to=2026-03-01T00:00:00Z', '&from=yesterday', '&from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z']) {
      const res = await w.as(a.key, 'GET', `/v1/orgs/me/traffic?by=device${bad}`);
      expect([res.statusCode, res.json().code]).toEqual([400, 'ORG_TRAFFIC_WINDOW_INVALID']);
    }
    expect((await w.as(a.key, 'GET', '/v1/orgs/me/traffic?by=owner')).json().code).toBe('INVALID_REQUEST');
  });
});
