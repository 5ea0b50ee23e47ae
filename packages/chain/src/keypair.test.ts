import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keypair } from '@solana/web3.js';
import { ensureKeypair, loadKeypair, saveKeypair } from './keypair.ts';

describe('keypair files', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hexlight-keys-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the solana-keygen format (JSON array of 64 bytes), mode 600, and reads it back', async () => {
    const kp = Keypair.fromSeed(new Uint8Array(32).fill(1));
    const path = join(dir, 'nested', 'payer.json');
    await saveKeypair(path, kp);
    const text = await readFile(path, 'utf8');
    expect(JSON.parse(text)).toEqual(Array.from(kp.secretKey));
    expect(text.startsWith('[1,1,1,')).toBe(true);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'nested'))).mode & 0o777).toBe(0o700);
    expect((await loadKeypair(path)).publicKey.toBase58()).toBe(kp.publicKey.toBase58());
  });

  it('refuses to overwrite, leaving the file and no temporary files behind', async () => {
    const path = join(dir, 'k.json');
    const first = Keypair.generate();
    await saveKeypair(path, first);
    await expect(saveKeypair(path, Keypair.generate())).rejects.toMatchObject({ code: 'KEYPAIR_EXISTS' });
    expect((await loadKeypair(path)).publicKey.equals(first.publicKey)).toBe(true);
    expect(await readdir(dir)).toEqual(['k.json']);
  });

  it('creates on first start, then loads the same key', async () => {
    const path = join(dir, 'escrow.json');
    const a = await ensureKeypair(path);
    expect(a.created).toBe(true);
    const b = await ensureKeypair(path);
    expect(b).toMatchObject({ created: false });
    expect(b.keypair.publicKey.equals(a.keypair.publicKey)).toBe(true);
  });

  it('gives one key to concurrent first starts', async () => {
    const path = join(dir, 'race.json');
    const all = await Promise.all(Array.from({ length: 8 }, () => ensureKeypair(path)));
    expect(new Set(all.map((r) => r.keypair.publicKey.toBase58())).size).toBe(1);
    expect(all.filter((r) => r.created)).toHaveLength(1);
  });

  it('refuses missing, malformed and inconsistent files without quoting them', async () => {
    await expect(loadKeypair(join(dir, 'none.json'))).rejects.toMatchObject({ code: 'KEYPAIR_NOT_FOUND' });
    const secret = Array.from(Keypair.generate().secretKey);
    const cases: Record<string, string> = {
      'not-json.json': `${JSON.stringify(secret).slice(0, -1)}`,
      'short.json': JSON.stringify(secret.slice(0, 63)),
      'range.json': JSON.stringify([...secret.slice(0, 63), 256]),
      'mismatch.json': JSON.stringify([...secret.slice(0, 32), ...Array.from(Keypair.generate().publicKey.toBytes())]),
    };
    for (const [name, text] of Object.entries(cases)) {
      await writeFile(join(dir, name), text);
      const err = await loadKeypair(join(dir, name)).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'KEYPAIR_INVALID', details: { path: join(dir, name) } });
      expect(JSON.stringify({ m: (err as Error).message, c: String((err as Error).cause) })).not.toContain(secret.slice(0, 8).join(','));
    }
    await expect(ensureKeypair(join(dir, 'short.json'))).rejects.toMatchObject({ code: 'KEYPAIR_INVALID' });
  });
});
