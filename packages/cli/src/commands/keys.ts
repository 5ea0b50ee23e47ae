import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { encodeHotspotKeyFile, generateHotspotKey } from '@hexlight/protocol';
import { operatorKeys } from '../runtime.ts';

const USAGE = `hexlight keys [--out FILE] [--testnet]
                     generate a hotspot key, print its address (and save it with --out FILE)
hexlight keys operator
                     create the operator's Solana keypair files if missing (REWARDS_PAYER_KEYPAIR,
                     REWARDS_MINT_KEYPAIR; default $DATA_DIR/keys/{payer,mint}.json) and print their
                     public keys. Secret keys are never printed.`;

export async function run(argv: string[]): Promise<number> {
  if (argv[0] === 'operator') return operator();
  let values: { out?: string; testnet?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { out: { type: 'string', short: 'o' }, testnet: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
    }));
  } catch (err) {
    console.error(`hexlight keys: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const key = generateHotspotKey(values.testnet ? 'testnet' : 'mainnet');
  if (values.out) {
    await writeFile(values.out, encodeHotspotKeyFile(key), { mode: 0o600, flag: 'wx' });
    console.error(`wrote ${values.out} (keep it secret: it holds the private key)`);
  }
  console.log(key.address);
  return 0;
}

async function operator(): Promise<number> {
  const keys = await operatorKeys(process.env, { create: true });
  for (const path of keys.created) console.error(`created ${path} (mode 0600; back it up: it holds a secret key)`);
  console.log(JSON.stringify({ payer: keys.payer.publicKey.toBase58(), mint: keys.mint.publicKey.toBase58() }));
  return 0;
}
