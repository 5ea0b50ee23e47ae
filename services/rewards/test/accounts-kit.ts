// Shared set-up of the accounts and payments tests: a migrated test store, the organisation and
// payment routes on a real fastify app (inject, no socket), and helpers that go through the API.
import type { FastifyInstance } from 'fastify';
import { buildHttpApp, ManualClock, silentLogger } from '@hexlight/kit';
import { createTestDb, type TestDb } from '@hexlight/store';
import { accountRoutes, DEFAULT_DEVADDR_POOL, paymentRoutes, testPayments, type DevAddrPool, type Payments } from '../src/index.ts';

type InjectResponse = Awaited<ReturnType<FastifyInstance['inject']>>;

export const T0 = Date.UTC(2026, 2, 2, 12, 0, 0);
export const ADMIN = 'admin-secret-0123456789abcdef';
export const TEST_SECRET = 'whsec_test_accounts_suite';

export interface AccountsWorld {
  db: TestDb;
  clock: ManualClock;
  app: FastifyInstance;
  payments: Payments;
  /** POST /v1/orgs → { id, key }. */
  signup(name?: string): Promise<{ id: string; key: string }>;
  /** An inject with the org's key. */
  as(key: string, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown): Promise<InjectResponse>;
  balance(orgId: string): Promise<bigint>;
  count(table: string, where?: string, params?: unknown[]): Promise<number>;
  close(): Promise<void>;
}

export async function accountsWorld(opts: { payments?: Payments; pool?: DevAddrPool; publicUrl?: string } = {}): Promise<AccountsWorld> {
  const db = await createTestDb();
  const clock = new ManualClock(T0);
  const payments = opts.payments ?? testPayments({ webhookSecret: TEST_SECRET });
  const app = await buildHttpApp({
    title: 'accounts-test', logger: false,
    plugins: [
      accountRoutes({ db, clock, devaddrPool: opts.pool ?? DEFAULT_DEVADDR_POOL, adminToken: ADMIN }),
      paymentRoutes({ db, clock, log: silentLogger(), payments, publicUrl: opts.publicUrl }),
    ],
  });
  const world: AccountsWorld = {
    db, clock, app, payments,
    async signup(name = 'acme') {
      const res = await app.inject({ method: 'POST', url: '/v1/orgs', payload: { name } });
      if (res.statusCode !== 201) throw new Error(`signup: ${res.statusCode} ${res.body}`);
      const body = res.json() as { org: { id: string }; api_key: string };
      return { id: body.org.id, key: body.api_key };
    },
    as(key, method, url, payload) {
      return app.inject({ method, url, headers: { authorization: `Bearer ${key}` }, ...(payload !== undefined ? { payload: payload as object } : {}) });
    },
    async balance(orgId) {
      return (await db.query<{ b: bigint }>('SELECT dc_balance AS b FROM organisations WHERE id = $1', [orgId])).rows[0]!.b;
    },
    async count(table, where = 'true', params = []) {
      return Number((await db.query<{ n: bigint }>(`SELECT count(*) AS n FROM ${table} WHERE ${where}`, params)).rows[0]!.n);
    },
    async close() {
      await app.close();
      await db.close();
    },
  };
  return world;
}
