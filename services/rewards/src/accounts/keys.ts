import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '@hexlight/store';
import { OrgKeyInvalid } from './errors.ts';

// Organisation API keys: `hxl_` + base64url of 32 random bytes. Only the SHA-256 of the key is
// stored, so a leaked table does not leak keys; the key is shown once, at signup or rotation.
// The first characters (PREFIX_LENGTH) are kept in clear so an operator can tell keys apart.

const KEY_PATTERN = /^hxl_[A-Za-z0-9_-]{43}$/;
export const PREFIX_LENGTH = 12;

export interface NewApiKey {
  readonly key: string;
  readonly hash: Buffer;
  readonly prefix: string;
}

export function generateApiKey(): NewApiKey {
  const key = `hxl_${randomBytes(32).toString('base64url')}`;
  return { key, hash: hashApiKey(key), prefix: key.slice(0, PREFIX_LENGTH) };
}

export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** Stores a new key for `orgId` (inside the caller's transaction). */
export async function insertApiKey(q: Queryable, orgId: string, key: NewApiKey, at: Date): Promise<void> {
  await q.query('INSERT INTO org_api_keys (key_hash, org_id, prefix, created_at) VALUES ($1, $2, $3, $4)', [key.hash, orgId, key.prefix, at]);
}

/**
 * The organisation an `Authorization` header's key belongs to; ORG_KEY_INVALID when the header is
 * missing, not `Bearer <key>`, or the key is unknown or revoked. The lookup is by hash, so its
 * timing says nothing about the key.
 */
export async function authenticateOrg(q: Queryable, authorization: unknown): Promise<string> {
  const header = typeof authorization === 'string' ? authorization : '';
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (!match || !KEY_PATTERN.test(match[1]!)) throw OrgKeyInvalid(header ? 'the API key is malformed (expected Authorization: Bearer hxl_…)' : 'missing Authorization: Bearer <api key>');
  const r = await q.query<{ org_id: string }>('SELECT org_id FROM org_api_keys WHERE key_hash = $1 AND revoked_at IS NULL', [hashApiKey(match[1]!)]);
  const row = r.rows[0];
  if (!row) throw OrgKeyInvalid('unknown or revoked API key');
  return row.org_id;
}
