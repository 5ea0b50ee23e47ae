import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { encodeHotspotKeyFile, generateHotspotKey } from '@hexlight/protocol';

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { out: { type: 'string', short: 'o' }, testnet: { type: 'boolean', default: false } },
  });
  const key = generateHotspotKey(values.testnet ? 'testnet' : 'mainnet');
  if (values.out) {
    await writeFile(values.out, encodeHotspotKeyFile(key), { mode: 0o600, flag: 'wx' });
    console.error(`wrote ${values.out} (keep it secret: it holds the private key)`);
  }
  console.log(key.address);
  return 0;
}
