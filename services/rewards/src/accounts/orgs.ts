import { randomBytes } from 'node:crypto';
import type { Db, Queryable } from '@hexlight/store';
import { OrgNotFound } from './errors.ts';
import { generateApiKey, insertApiKey } from './keys.ts';

// Organisations: who buys packets. Signup creates one with its first API key; the key is
// returned once and only its hash is kept.

export type DisabledReason = 'insufficient_balance' | 'operator';

export interface Organisation {
  readonly id: string;
  readonly name: string;
  readonly createdAt: Date;
  /** Copies of each uplink bought (1–100). */
  readonly multiBuy: number;
  readonly dcBalance: bigint;
  readonly disabled: boolean;
  readonly disabledReason: DisabledReason | null;
  readonly disabledAt: Date | null;
  /** The active keys' prefixes, newest first. */
  readonly keys: readonly { prefix: string; createdAt: Date }[];
}

/** What an operator reads when packets are not bought. */
export const DISABLED_EXPLANATIONS: Record<DisabledReason, string> = {
  insufficient_balance: 'insufficient_balance: top up to resume',
  operator: 'operator: disabled by the network operator',
};

export async function createOrganisation(db: Db, input: { name: string; multiBuy?: number; at: Date }): Promise<{ org: Organisation; apiKey: string }> {
  const id = `org_${randomBytes(8).toString('hex')}`;
  const key = generateApiKey();
  await db.transaction(async (tx) => {
    await tx.query('INSERT INTO organisations (id, name, created_at, multi_buy) VALUES ($1, $2, $3, $4)', [id, input.name, input.at, input.multiBuy ?? 1]);
    await insertApiKey(tx, id, key, input.at);
  });
  return { org: await readOrganisation(db, id), apiKey: key.key };
}

export async function readOrganisation(q: Queryable, id: string): Promise<Organisation> {
  const r = await q.query<{
    id: string; name: string; created_at: Date; multi_buy: number; dc_balance: bigint; disabled: boolean; disabled_reason: DisabledReason | null; disabled_at: Date | null;
  }>('SELECT id, name, created_at, multi_buy, dc_balance, disabled, disabled_reason, disabled_at FROM organisations WHERE id = $1', [id]);
  const o = r.rows[0];
  if (!o) throw OrgNotFound(undefined, { org: id });
  const keys = await q.query<{ prefix: string; created_at: Date }>(
    'SELECT prefix, created_at FROM org_api_keys WHERE org_id = $1 AND revoked_at IS NULL ORDER BY created_at DESC', [id],
  );
  return {
    id: o.id, name: o.name, createdAt: o.created_at, multiBuy: o.multi_buy, dcBalance: o.dc_balance,
    disabled: o.disabled, disabledReason: o.disabled_reason, disabledAt: o.disabled_at,
    keys: keys.rows.map((k) => ({ prefix: k.prefix, createdAt: k.created_at })),
  };
}

export async function updateOrganisation(db: Db, id: string, patch: { name?: string; multiBuy?: number }): Promise<Organisation> {
  const r = await db.query(
    'UPDATE organisations SET name = coalesce($2, name), multi_buy = coalesce($3, multi_buy) WHERE id = $1',
    [id, patch.name ?? null, patch.multiBuy ?? null],
  );
  if (r.rowCount === 0) throw OrgNotFound(undefined, { org: id });
  return readOrganisation(db, id);
}

/** A new key; every other key of the organisation is revoked in the same transaction. */
export async function rotateApiKey(db: Db, id: string, at: Date): Promise<{ apiKey: string; prefix: string }> {
  const key = generateApiKey();
  await db.transaction(async (tx) => {
    const o = await tx.query('SELECT 1 FROM organisations WHERE id = $1 FOR UPDATE', [id]);
    if (o.rowCount === 0) throw OrgNotFound(undefined, { org: id });
    await tx.query('UPDATE org_api_keys SET revoked_at = $2 WHERE org_id = $1 AND revoked_at IS NULL', [id, at]);
    await insertApiKey(tx, id, key, at);
  });
  return { apiKey: key.key, prefix: key.prefix };
}
