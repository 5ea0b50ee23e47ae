import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineError, type Logger } from '@hexlight/kit';
import type { Db } from './db.ts';
import { inTransaction, internalsOf, type Session } from './adapter.ts';
import { detectTimescaleOn } from './timescale.ts';

export const MigrationChanged = defineError('MIGRATION_CHANGED', 'an applied migration no longer matches its file', { httpStatus: 500 });
export const MigrationInvalid = defineError('MIGRATION_INVALID', 'the migrations directory is malformed', { httpStatus: 500 });
export const MigrationFailed = defineError('MIGRATION_FAILED', 'a migration failed and was rolled back', { httpStatus: 500 });
export const MigrationBranchMismatch = defineError('MIGRATION_BRANCH_MISMATCH', 'the requested Timescale mode contradicts how this database was migrated', {
  httpStatus: 500,
});

export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations/', import.meta.url));

/** pg_advisory_lock key held for a whole run: ASCII "HEXLMIG", so it is greppable in pg_locks. */
const MIGRATION_LOCK = 0x4845584c4d4947n;

type Branch = 'timescale' | 'plain';

export interface MigrationFile {
  version: number;
  name: string;
  /** `NNNN_name`, as reported in `applied`. */
  id: string;
  base: string;
  variants: Partial<Record<Branch, string>>;
}

export interface MigrateOptions {
  log?: Logger;
  /** auto: use Timescale when the server offers it; on: require it; off: plain PostgreSQL. */
  timescale?: 'auto' | 'on' | 'off';
  /** Migrations directory (tests point it at a temporary copy). */
  dir?: string;
}

export interface MigrateResult {
  applied: string[];
  timescale: boolean;
}

const FILE = /^(\d{4})_([a-z0-9_]+?)(?:\.(timescale|plain))?\.sql$/;

/** Reads and validates the directory: one base file per version, variants only beside a base. */
export async function loadMigrations(dir: string = MIGRATIONS_DIR): Promise<MigrationFile[]> {
  const byVersion = new Map<number, { name: string; base?: string; variants: Partial<Record<Branch, string>> }>();
  for (const file of (await readdir(dir)).sort()) {
    if (!file.endsWith('.sql')) continue;
    const m = FILE.exec(file);
    if (!m) throw MigrationInvalid(`${file}: expected NNNN_name.sql, NNNN_name.timescale.sql or NNNN_name.plain.sql`, { file, dir });
    const version = Number(m[1]);
    const name = m[2]!;
    const entry = byVersion.get(version) ?? { name, variants: {} };
    if (entry.name !== name) throw MigrationInvalid(`version ${m[1]} is used by both ${entry.name} and ${name}`, { version, dir });
    // Hash the text as written in the repository, whatever a checkout did to line endings.
    const sql = (await readFile(join(dir, file), 'utf8')).replace(/\r\n/g, '\n');
    if (m[3]) entry.variants[m[3] as Branch] = sql;
    else entry.base = sql;
    byVersion.set(version, entry);
  }
  return [...byVersion.entries()]
    .sort(([a], [b]) => a - b)
    .map(([version, e]) => {
      const id = `${String(version).padStart(4, '0')}_${e.name}`;
      if (e.base === undefined) throw MigrationInvalid(`${id}: a variant without its base file ${id}.sql`, { version, dir });
      return { version, name: e.name, id, base: e.base, variants: e.variants };
    });
}

/** The checksum covers exactly what runs: the base, then the branch's variant if there is one. */
function checksum(m: MigrationFile, branch: Branch): string {
  const h = createHash('sha256').update(m.base);
  const variant = m.variants[branch];
  if (variant !== undefined) h.update('\n-- variant --\n').update(variant);
  return h.digest('hex');
}

interface AppliedRow {
  version: number;
  name: string;
  variant: string;
  checksum: string;
}

/**
 * Applies pending migrations in version order, each (base + variant) in one transaction, and
 * records them in schema_migrations. Safe to run from several processes at once: the whole run
 * holds a session-level advisory lock on pg (PGlite has one connection, so nothing to lock).
 */
export async function migrate(db: Db, opts: MigrateOptions = {}): Promise<MigrateResult> {
  const internals = internalsOf(db);
  const log = opts.log ?? internals.log;
  const files = await loadMigrations(opts.dir);
  const mode = opts.timescale ?? 'auto';

  const result = await internals.adapter.withSession(async (s) => {
    if (db.kind === 'pg') {
      const first = await s.query<{ got: boolean }>('SELECT pg_try_advisory_lock($1::int8) AS got', [MIGRATION_LOCK]);
      if (!first.rows[0]?.got) {
        log.info('store.migrate.waiting_for_lock'); // another process is migrating; it will finish
        await s.query('SELECT pg_advisory_lock($1::int8)', [MIGRATION_LOCK]);
      }
    }
    try {
      return await migrateLocked(s, files, mode, log);
    } finally {
      if (db.kind === 'pg') await s.query('SELECT pg_advisory_unlock($1::int8)', [MIGRATION_LOCK]).catch(() => undefined);
    }
  });
  internals.setTimescale(result.timescale);
  return result;
}

async function migrateLocked(s: Session, files: MigrationFile[], mode: 'auto' | 'on' | 'off', log: Logger): Promise<MigrateResult> {
  await s.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    variant    text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`);
  const applied = (await s.query<AppliedRow>('SELECT version, name, variant, checksum FROM schema_migrations ORDER BY version')).rows;
  const branch = await chooseBranch(s, applied, mode, log);

  const byVersion = new Map(files.map((f) => [f.version, f]));
  for (const row of applied) {
    const file = byVersion.get(row.version);
    const id = `${String(row.version).padStart(4, '0')}_${row.name}`;
    if (!file) throw MigrationChanged(`${id} was applied but its file is gone (migrations are forward-only)`, { version: row.version });
    if (file.name !== row.name || checksum(file, row.variant as Branch) !== row.checksum) {
      throw MigrationChanged(`${id} (${row.variant}) was applied with different contents: add a new migration instead of editing it`, {
        version: row.version,
        file: file.id,
      });
    }
  }

  const done = new Set(applied.map((r) => r.version));
  const ran: string[] = [];
  for (const file of files) {
    if (done.has(file.version)) continue;
    const started = Date.now();
    try {
      await inTransaction(s, async (tx) => {
        await tx.script(file.base);
        const variant = file.variants[branch];
        if (variant !== undefined) await tx.script(variant);
        await tx.query('INSERT INTO schema_migrations (version, name, variant, checksum) VALUES ($1, $2, $3, $4)', [
          file.version,
          file.name,
          branch,
          checksum(file, branch),
        ]);
      });
    } catch (err) {
      throw MigrationFailed(`${file.id} (${branch}) failed: ${(err as Error).message}`, { version: file.version, migration: file.id, branch }, err);
    }
    log.info({ migration: file.id, branch, ms: Date.now() - started }, 'store.migration.applied');
    ran.push(file.id);
  }
  return { applied: ran, timescale: branch === 'timescale' };
}

/**
 * A database keeps the branch it was first migrated with: timescale variants on plain tables
 * (or the reverse) would fail halfway, so `auto` follows the record and `on`/`off` must agree.
 */
async function chooseBranch(s: Session, applied: AppliedRow[], mode: 'auto' | 'on' | 'off', log: Logger): Promise<Branch> {
  const recorded = applied.at(-1)?.variant as Branch | undefined;
  if (recorded && mode !== 'auto' && (mode === 'on') !== (recorded === 'timescale')) {
    throw MigrationBranchMismatch(`timescale '${mode}' requested, but this database was migrated with the ${recorded} branch`, { recorded, mode });
  }
  if (recorded) return recorded;
  if (mode === 'off') return 'plain';
  const available = await detectTimescaleOn(s, log);
  if (mode === 'on' && !available) {
    throw MigrationBranchMismatch("timescale 'on' requested, but the timescaledb extension is not available on this server", { mode });
  }
  return available ? 'timescale' : 'plain';
}
