// Bulk-insert timings through the Db port: `npx tsx packages/store/bench/unnest.ts [rows…]`.
// Uses TEST_DATABASE_URL for the pg adapter when set; PGlite always.
import { createTestDb, type Db } from '../src/index.ts';
import { insertWitnesses, sampleWitnesses } from '../src/contract.ts';

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const counts = sizes.length ? sizes : [5_000, 50_000];

async function bench(label: string, open: () => Promise<Db>): Promise<void> {
  for (const n of counts) {
    const db = await open();
    try {
      const rows = sampleWitnesses(n);
      await insertWitnesses(db, sampleWitnesses(100, Date.UTC(2024, 0, 1))); // warm the statement path
      const t0 = performance.now();
      await insertWitnesses(db, rows);
      const ms = performance.now() - t0;
      console.log(`${label.padEnd(8)} ${String(n).padStart(7)} rows  ${ms.toFixed(0).padStart(6)} ms  ${((n / ms) * 1000).toFixed(0)} rows/s`);
    } finally {
      await db.close();
    }
  }
}

const url = process.env.TEST_DATABASE_URL;
delete process.env.TEST_DATABASE_URL;
await bench('pglite', () => createTestDb());
await bench('ts-pglite', () => createTestDb({ timescale: true }));
if (url) {
  process.env.TEST_DATABASE_URL = url;
  await bench('pg', () => createTestDb());
}
