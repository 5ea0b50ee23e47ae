// `hexlight rewards reconcile` and `hexlight keys operator` as an operator runs them: against an
// embedded network's DATA_DIR (PGlite on disk, keypair files, the in-process ledger's state file)
// after real payouts, then after the ledger was tampered with.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Keypair } from '@solana/web3.js';
import { createInProcessChain, saveKeypair } from '@hexlight/chain';
import { ManualClock, silentLogger } from '@hexlight/kit';
import { migrate, openDb } from '@hexlight/store';
import { closeEpoch, createPayoutEngine, DAY_MS } from '@hexlight/rewards';

const BIN = resolve(import.meta.dirname, '../bin/hexlight.js');
const run = promisify(execFile);

async function hexlight(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('hexlight rewards reconcile', () => {
  let dataDir = '';
  const owners = Array.from({ length: 6 }, () => Keypair.generate().publicKey.toBase58());

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'hexlight-reconcile-'));
    const payer = Keypair.generate();
    const mint = Keypair.generate();
    await saveKeypair(join(dataDir, 'keys', 'payer.json'), payer);
    await saveKeypair(join(dataDir, 'keys', 'mint.json'), mint);
    const db = await openDb({ dataDir: join(dataDir, 'pglite') });
    await migrate(db);
    const chain = await createInProcessChain({ payer, stateFile: join(dataDir, 'chain', 'ledger.json') });
    const epoch = 20_400;
    for (const [i, owner] of owners.entries()) {
      await db.query(`INSERT INTO hotspots (address, key_binary, owner, onboarded_at) VALUES ($1, sha256(convert_to($1, 'UTF8')), $2, now())`, [`h${i}`, owner]);
      await db.query(
        `INSERT INTO poc_reward_shares (poc_id, hotspot, role, reward_at, hex_scale, reward_unit, shares) VALUES (sha256(convert_to($1, 'UTF8')), $1, 'witness', $2, 1, 1, $3)`,
        [`h${i}`, new Date(epoch * DAY_MS + 1000), String(i + 1)],
      );
    }
    const clock = new ManualClock((epoch + 1) * DAY_MS + 1);
    await closeEpoch(db, { epochNumber: epoch, epochLengthMs: DAY_MS, clock, decimals: 6, tokenPriceUsd: '1', schedule: { dailyEmission: 10n ** 12n, startMs: 0 } });
    const engine = createPayoutEngine({ db, chain, clock, log: silentLogger(), keys: { payer, mint } }, { decimals: 6 });
    await engine.ensureMint();
    for (let i = 0; i < 5; i++) await engine.pass();
    expect(await engine.status()).toMatchObject({ pending: 0, stuck: 0 });
    await chain.close();
    await db.close();
  }, 60_000);

  afterAll(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('reports zero difference after real payouts (exit 0)', async () => {
    const r = await hexlight(['rewards', 'reconcile'], { DATA_DIR: dataDir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('reconcile: zero difference');
    expect(r.stdout).toContain(`owners checked: ${owners.length}, differing: 0`);
  }, 60_000);

  it('names the owner and the amounts when the ledger and the chain disagree (exit 1)', async () => {
    const db = await openDb({ dataDir: join(dataDir, 'pglite') });
    await db.query('UPDATE owner_balances SET paid = paid - 5 WHERE owner = $1', [owners[2]]);
    await db.close();
    const r = await hexlight(['rewards', 'reconcile', '--json'], { DATA_DIR: dataDir });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.ok).toBe(false);
    expect(report.owners.differing).toEqual([expect.objectContaining({ what: `owner ${owners[2]}`, difference: '5' })]);
    expect(report.ledger).toEqual([expect.objectContaining({ what: 'Σ owner paid vs Σ booked payout jobs', difference: '-5' })]);
  }, 60_000);

  it('refuses a DATA_DIR another live process holds (DATA_DIR_LOCKED) and takes over a dead one\'s lock', async () => {
    const holder = spawn('sleep', ['60']);
    try {
      await writeFile(join(dataDir, 'hexlight.lock'), `${holder.pid}\n`);
      const locked = await hexlight(['rewards', 'reconcile'], { DATA_DIR: dataDir });
      expect(locked.code).toBe(1);
      expect(locked.stderr).toContain('DATA_DIR_LOCKED');
      expect(locked.stderr).toContain(String(holder.pid));
    } finally {
      holder.kill('SIGKILL');
      await new Promise((r) => holder.once('exit', r));
    }
    // The holder is gone: its lock is stale and the next command takes it (and removes it on exit).
    const after = await hexlight(['rewards', 'reconcile', '--json'], { DATA_DIR: dataDir });
    expect(after.stderr).not.toContain('DATA_DIR_LOCKED');
    await expect(stat(join(dataDir, 'hexlight.lock'))).rejects.toThrow();
  }, 60_000);

  it('keys operator creates the keypair files once (mode 600) and prints only public keys', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hexlight-keys-'));
    try {
      const first = await hexlight(['keys', 'operator'], { DATA_DIR: dir });
      expect(first.code).toBe(0);
      const keys = JSON.parse(first.stdout);
      expect(Object.keys(keys).sort()).toEqual(['mint', 'payer']);
      expect(first.stderr).toMatch(/created .*payer\.json/);
      expect((await stat(join(dir, 'keys', 'payer.json'))).mode & 0o777).toBe(0o600);
      const second = await hexlight(['keys', 'operator'], { DATA_DIR: dir });
      expect(JSON.parse(second.stdout)).toEqual(keys);
      expect(second.stderr).toBe('');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
