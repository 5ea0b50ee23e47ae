export { openDb, DEFAULT_DATA_DIR, type Db, type Queryable, type QueryResult, type OpenDbOptions } from './db.ts';
export { StoreUnavailable, StoreQueryFailed, StoreTxClosed, StoreReentrant, sqlStateOf, isUniqueViolation } from './errors.ts';
export {
  migrate,
  loadMigrations,
  MIGRATIONS_DIR,
  MigrationChanged,
  MigrationInvalid,
  MigrationFailed,
  MigrationBranchMismatch,
  type MigrateOptions,
  type MigrateResult,
  type MigrationFile,
} from './migrate.ts';
export { detectTimescale } from './timescale.ts';
export { tryAdvisoryLock, withAdvisoryLock, openLockSession, type AdvisoryLock, type LockSession } from './lock.ts';
export { createTestDb, openTestDbPeer, type TestDb, type TestDbOptions } from './testing.ts';
export { storeContract } from './contract.ts';
