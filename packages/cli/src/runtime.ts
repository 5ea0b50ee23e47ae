import { unlinkSync } from 'node:fs';
import { mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Keypair } from '@solana/web3.js';
import { createInProcessChain, createRpcChain, ensureKeypair, loadKeypair, type Chain } from '@hexlight/chain';
import { openDb, migrate, type Db } from '@hexlight/store';
import { defineError, envInt, envString, type Logger } from '@hexlight/kit';

/** Another live hexlight process holds DATA_DIR (details: dataDir, pid). */
export const DataDirLocked = defineError('DATA_DIR_LOCKED', 'another hexlight process is using DATA_DIR', { httpStatus: 409 });

let lockHeld: string | undefined;

/**
 * Embedded state (PGlite files, the ledger's state file) belongs to one process at a time: two
 * writers would corrupt it. The lock file holds the owner's pid; a lock whose process is gone
 * (killed) is taken over. Released when the process exits.
 */
export async function lockDataDir(dataDir: string): Promise<void> {
  if (lockHeld) return;
  await mkdir(dataDir, { recursive: true });
  const path = resolve(dataDir, 'hexlight.lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFile(path, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      lockHeld = path;
      process.once('exit', () => {
        try {
          unlinkSync(path);
        } catch {
          // already gone
        }
      });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
      throw DataDirLocked(`${dataDir} is in use by hexlight process ${pid}: stop it first, or ask it over HTTP (e.g. GET /v1/admin/rewards/reconcile)`, { dataDir, pid });
    }
    await unlink(path).catch(() => undefined); // stale: its process is gone
  }
  throw DataDirLocked(`could not take the lock on ${dataDir}`, { dataDir });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface StoreInfo {
  db: Db;
  /** What to print: never the URL itself (it may hold a password). */
  description: string;
}

/** Opens the store the environment names (DATABASE_URL, else PGlite under DATA_DIR) and migrates it. */
export async function openStore(log: Logger, env = process.env): Promise<StoreInfo> {
  const url = envString(env, 'DATABASE_URL');
  const dataDir = resolve(envString(env, 'DATA_DIR', './data'));
  if (!url) await lockDataDir(dataDir);
  const db = url ? await openDb({ url, log }) : await openDb({ dataDir: resolve(dataDir, 'pglite'), log });
  const result = await migrate(db, { log });
  const where = url ? `PostgreSQL at ${redactUrl(url)}` : `PGlite (embedded) in ${resolve(dataDir, 'pglite')}`;
  return { db, description: `${where}${result.timescale ? ', TimescaleDB on' : ''}` };
}

/**
 * A URL fit to print: scheme, host and port only. Credentials hide in more places than the
 * password (a user name that is a token, an RPC provider's API key in the path or `?api-key=`,
 * `?password=` in a PostgreSQL URL), so the rest is replaced by markers, never shown.
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    const userinfo = u.username || u.password ? '***@' : '';
    const rest = (u.pathname && u.pathname !== '/') || u.search ? '/…' : '';
    return `${u.protocol}//${userinfo}${u.host}${rest}`;
  } catch {
    return '(unparseable URL)';
  }
}

/** Runs `stop` once on SIGINT/SIGTERM; a second signal exits at once. */
export function onShutdown(stop: () => Promise<void>, log: Logger): Promise<void> {
  return new Promise((resolveDone) => {
    let stopping = false;
    const handler = (signal: string) => {
      if (stopping) {
        log.warn({ signal }, 'shutdown.forced');
        process.exit(130);
      }
      stopping = true;
      log.info({ signal }, 'shutdown.started');
      stop().then(resolveDone, (err: Error) => {
        log.error({ err: err.message }, 'shutdown.failed');
        resolveDone();
      });
    };
    process.once('SIGINT', () => handler('SIGINT'));
    process.once('SIGTERM', () => handler('SIGTERM'));
  });
}

/** The operator's Solana keys: fee payer / escrow owner, and the reward mint (its address and authority). */
export interface OperatorKeys {
  payer: Keypair;
  mint: Keypair;
  /** Keypair files created by this call (first start). */
  created: string[];
  dir: string;
}

/**
 * Loads REWARDS_PAYER_KEYPAIR and REWARDS_MINT_KEYPAIR (solana-keygen JSON files; default
 * `$DATA_DIR/keys/{payer,mint}.json`). With `create`, missing files are generated (embedded mode's
 * first start); otherwise a missing file is KEYPAIR_NOT_FOUND. Secret keys are never printed.
 */
export async function operatorKeys(env = process.env, opts: { create: boolean }): Promise<OperatorKeys> {
  const dir = resolve(envString(env, 'DATA_DIR', './data'), 'keys');
  const payerPath = resolve(envString(env, 'REWARDS_PAYER_KEYPAIR', resolve(dir, 'payer.json')));
  const mintPath = resolve(envString(env, 'REWARDS_MINT_KEYPAIR', resolve(dir, 'mint.json')));
  if (!opts.create) return { payer: await loadKeypair(payerPath), mint: await loadKeypair(mintPath), created: [], dir };
  await mkdir(dirname(payerPath), { recursive: true, mode: 0o700 });
  await mkdir(dirname(mintPath), { recursive: true, mode: 0o700 });
  const payer = await ensureKeypair(payerPath);
  const mint = await ensureKeypair(mintPath);
  const created = [...(payer.created ? [payerPath] : []), ...(mint.created ? [mintPath] : [])];
  return { payer: payer.keypair, mint: mint.keypair, created, dir };
}

export interface ChainHandle {
  chain: Chain;
  description: string;
  /** Stops the block producer (in-process) and closes the chain. */
  close(): Promise<void>;
}

/**
 * SOLANA_RPC_URL selects a real cluster; otherwise the in-process ledger, kept in
 * `$DATA_DIR/chain/ledger.json` (so tokens survive a restart) and producing a block every
 * CHAIN_BLOCK_MS (400, as Solana's slots) so blockhashes age and expire as on a cluster.
 */
export async function openChain(log: Logger, payer: Keypair, env = process.env): Promise<ChainHandle> {
  const rpc = envString(env, 'SOLANA_RPC_URL');
  if (rpc) {
    const chain = createRpcChain({ url: rpc, log });
    return { chain, description: `Solana RPC at ${redactUrl(rpc)}`, close: () => chain.close() };
  }
  const dataDir = resolve(envString(env, 'DATA_DIR', './data'));
  await lockDataDir(dataDir);
  const stateFile = resolve(dataDir, 'chain', 'ledger.json');
  const chain = await createInProcessChain({ payer, stateFile });
  const blockMs = envInt(env, 'CHAIN_BLOCK_MS', 400, { min: 10 });
  const producer = setInterval(() => {
    chain.advanceBlocks(1).catch((err: Error) => log.warn({ err: err.message }, 'chain.block.failed'));
  }, blockMs);
  producer.unref();
  return {
    chain,
    description: `in-process Solana ledger (solana-bankrun, real SPL Token program) in ${stateFile}`,
    async close() {
      clearInterval(producer);
      await chain.close();
    },
  };
}
