import { createLogger } from '@hexlight/kit';
import { openStore } from '../runtime.ts';

export async function run(): Promise<number> {
  const log = createLogger('migrate');
  const { db, description } = await openStore(log);
  console.log(`migrated ${description}`);
  await db.close();
  return 0;
}
