// `npm run bench -- rewards`: the epoch close of a 1,000,000-hotspot, 300,000-owner network
// (bench/rewards-epoch.ts), then paying 10,000 owners on the in-process ledger through the payout
// engine (bench/rewards-payouts.ts). Options: --hotspots, --owners, --store pg|pglite|memory,
// --seed, --pay N (owners to pay; 0 skips the payout half).
import { parseArgs } from 'node:util';
import { benchEpoch } from './rewards-epoch.ts';
import { benchPayouts } from './rewards-payouts.ts';
import { benchDatabaseUrl } from './store.ts';

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      hotspots: { type: 'string', default: '1000000' },
      owners: { type: 'string', default: '300000' },
      store: { type: 'string' },
      seed: { type: 'string' },
      pay: { type: 'string', default: '10000' },
    },
  });
  const store = values.store ?? (benchDatabaseUrl() ? 'pg' : 'pglite');
  if (store !== 'pg' && store !== 'pglite' && store !== 'memory') {
    console.error(`--store must be pg, pglite or memory, not ${store}`);
    return 2;
  }
  try {
    const epoch = await benchEpoch({
      hotspots: Number(values.hotspots),
      owners: Number(values.owners),
      store,
      ...(values.seed !== undefined ? { seed: Number(values.seed) } : {}),
    });
    const pay = Number(values.pay);
  if (pay > 0) await benchPayouts({ owners: pay, store: store === 'memory' ? 'pglite' : store });
  return epoch.ok ? 0 : 1;
  } catch (err) {
    // A failed check or a store error: no figure for a result that may be wrong.
    console.error('\nbench rewards FAILED:', err);
    return 1;
  }
}
