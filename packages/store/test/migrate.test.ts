import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMigrations } from '../src/index.ts';

describe('migration files', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hexlight-mig-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('groups base and variants by version, in version order', async () => {
    await writeFile(join(dir, '0002_b.sql'), 'b');
    await writeFile(join(dir, '0001_a.sql'), 'a');
    await writeFile(join(dir, '0001_a.timescale.sql'), 'at');
    await writeFile(join(dir, '0001_a.plain.sql'), 'ap');
    await writeFile(join(dir, 'README.md'), 'ignored');
    const files = await loadMigrations(dir);
    expect(files).toEqual([
      { version: 1, name: 'a', id: '0001_a', base: 'a', variants: { timescale: 'at', plain: 'ap' } },
      { version: 2, name: 'b', id: '0002_b', base: 'b', variants: {} },
    ]);
  });

  it('ships a base file for every migration of the package', async () => {
    const files = await loadMigrations();
    expect(files[0]).toMatchObject({ id: '0001_registry_and_reports' });
    expect(Object.keys(files[0]!.variants).sort()).toEqual(['plain', 'timescale']);
  });

  it.each([
    [['1_bad.sql'], /expected NNNN_name/],
    [['0001_a.sql', '0001_b.sql'], /used by both/],
    [['0001_a.timescale.sql'], /variant without its base/],
  ])('rejects %j', async (names, message) => {
    for (const n of names) await writeFile(join(dir, n), 'SELECT 1;');
    await expect(loadMigrations(dir)).rejects.toMatchObject({ code: 'MIGRATION_INVALID', message: expect.stringMatching(message) });
  });
});
