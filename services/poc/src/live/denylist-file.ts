import { readFile, stat } from 'node:fs/promises';
import type { Queryable } from '@hexlight/store';
import { isValidAddress } from '@hexlight/protocol';
import { defineError } from '@hexlight/kit';

export const DenylistFileInvalid = defineError('POC_DENYLIST_FILE_INVALID', 'the denylist file cannot be used', { httpStatus: 500 });

/**
 * The operator's denylist file: JSON `{"tag": "v3", "keys": ["1…", …], "edges": [["1…", "1…"], …]}`.
 * Loading replaces what the previous load of the file put in the tables (entries added through
 * the admin API carry their own tags and stay).
 */
export interface DenylistFile {
  tag: string;
  keys: string[];
  edges: [string, string][];
}

export function parseDenylistFile(text: string): DenylistFile {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw DenylistFileInvalid(`not JSON: ${(err as Error).message}`);
  }
  const d = doc as Partial<DenylistFile>;
  if (typeof d !== 'object' || d === null || typeof d.tag !== 'string' || !d.tag) throw DenylistFileInvalid('"tag" must be a non-empty string');
  const keys = d.keys ?? [];
  const edges = d.edges ?? [];
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string' && isValidAddress(k))) throw DenylistFileInvalid('"keys" must be an array of hotspot addresses');
  if (!Array.isArray(edges) || !edges.every((e) => Array.isArray(e) && e.length === 2 && e.every((k) => typeof k === 'string' && isValidAddress(k)) && e[0] !== e[1])) {
    throw DenylistFileInvalid('"edges" must be an array of [address, address] pairs of two different hotspots');
  }
  return { tag: d.tag, keys, edges: edges as [string, string][] };
}

/** Reads the file when it changed since `lastMtimeMs` and writes it to the tables. Returns the new mtime. */
export async function syncDenylistFile(db: Queryable & { transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> }, path: string, lastMtimeMs: number | null): Promise<number> {
  const mtime = (await stat(path)).mtimeMs;
  if (mtime === lastMtimeMs) return mtime;
  const file = parseDenylistFile(await readFile(path, 'utf8'));
  const now = new Date();
  await db.transaction(async (tx) => {
    await tx.query(`DELETE FROM denylist_keys WHERE tag LIKE 'file:%'`);
    await tx.query(`DELETE FROM denylist_edges WHERE tag LIKE 'file:%'`);
    const tag = `file:${file.tag}`;
    if (file.keys.length > 0) {
      await tx.query(`INSERT INTO denylist_keys (address, tag, added_at) SELECT k, $2, $3 FROM unnest($1::text[]) AS k ON CONFLICT (address) DO UPDATE SET tag = EXCLUDED.tag, added_at = EXCLUDED.added_at`, [file.keys, tag, now]);
    }
    if (file.edges.length > 0) {
      const pairs = file.edges.map(([x, y]) => (x < y ? [x, y] : [y, x]));
      await tx.query(`INSERT INTO denylist_edges (a, b, tag, added_at) SELECT a, b, $3, $4 FROM unnest($1::text[], $2::text[]) AS t(a, b) ON CONFLICT (a, b) DO UPDATE SET tag = EXCLUDED.tag, added_at = EXCLUDED.added_at`,
        [pairs.map((p) => p[0]), pairs.map((p) => p[1]), tag, now]);
    }
  });
  return mtime;
}
