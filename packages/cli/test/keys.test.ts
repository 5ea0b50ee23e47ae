import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { decodeHotspotKeyFile, isValidAddress } from '@hexlight/protocol';

const BIN = resolve(import.meta.dirname, '../bin/hexlight.js');

describe('hexlight keys', () => {
  it('prints a Helium address and writes a private key file that reproduces it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hexlight-keys-'));
    try {
      const file = join(dir, 'hotspot.key');
      const address = execFileSync(process.execPath, [BIN, 'keys', '--out', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
      // (round-trips with @helium/address are tested in packages/protocol)
      expect(address.startsWith('1') && isValidAddress(address)).toBe(true);
      expect(decodeHotspotKeyFile(await readFile(file, 'utf8')).address).toBe(address);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      // Never overwrites an existing key.
      expect(() => execFileSync(process.execPath, [BIN, 'keys', '--out', file], { stdio: 'ignore' })).toThrow();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
