import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, silentLogger } from '@hexlight/kit';
import { createTestDb, type Db } from '@hexlight/store';
import { storeOneBeacon, T } from './store-fixture.ts';
import { createPocRunner } from '../src/live/runner.ts';
import { parseDenylistFile } from '../src/live/denylist-file.ts';
import { rulesetByName } from '../src/verifier/rulesets.ts';

describe('operator denylist file', () => {
  let db: Db | null = null;
  let dir = '';
  afterEach(async () => {
    await db?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function judge(file: string | undefined, mode: 'fail-open' | 'fail-closed', content?: (addr: string) => unknown) {
    db = await createTestDb();
    dir = await mkdtemp(join(tmpdir(), 'hexlight-deny-'));
    const address = await storeOneBeacon(db);
    const path = file ? join(dir, file) : undefined;
    if (path && content) await writeFile(path, JSON.stringify(content(address)));
    const runner = createPocRunner({ db, clock: new ManualClock(T + 600_000), log: silentLogger() }, {
      rulesetName: 'helium', ruleset: rulesetByName('helium'), intervalMs: 60_000, batchSize: 100, staleAfterMs: 3_600_000, denylistFile: path, denylistMode: mode,
    });
    expect(await runner.tick()).toBe(1);
    const v = await db.query<{ reason: string | null; evidence: { denylistTag?: string } }>(`SELECT reason, evidence FROM poc_verdicts`);
    return v.rows[0]!;
  }

  it('denies the keys the file lists, with the file tag', async () => {
    const v = await judge('deny.json', 'fail-open', (a) => ({ tag: 'v7', keys: [a], edges: [] }));
    expect(v.reason).toBe('denied');
    expect(v.evidence.denylistTag).toBe('file:v7');
  });

  it('fail-closed: a missing file denies everyone', async () => {
    const v = await judge('missing.json', 'fail-closed');
    expect(v).toMatchObject({ reason: 'denied', evidence: { denylistTag: 'denylist-unavailable' } });
  });

  it('fail-open: a missing file denies no one', async () => {
    const v = await judge('missing.json', 'fail-open');
    expect(v.reason).not.toBe('denied');
  });

  it('refuses a malformed file with a coded error', () => {
    expect(() => parseDenylistFile('{"keys": []}')).toThrow(/tag/);
    expect(() => parseDenylistFile('{"tag": "x", "keys": ["nope"]}')).toThrow(/addresses/);
    expect(() => parseDenylistFile('not json')).toThrow(/not JSON/);
  });
});
