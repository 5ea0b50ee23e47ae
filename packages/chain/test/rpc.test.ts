/**
 * The RPC adapter against a local HTTP server that answers JSON-RPC the way a Solana node does for
 * the methods we call: real HTTP round trips through web3.js, no validator needed.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Keypair } from '@solana/web3.js';
import { buildCreateMint, createRpcChain, type Chain } from '../src/index.ts';

type Reply = { result: unknown } | { error: { code: number; message: string; data?: unknown } } | { status: number; body?: string } | 'hang';
interface Call {
  method: string;
  params: unknown[];
}

let server: Server;
let url: string;
let calls: Call[] = [];
let replies: Record<string, (params: unknown[]) => Reply> = {};

const ctx = (value: unknown, slot = 77) => ({ result: { context: { slot }, value } });

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      const { id, method, params } = JSON.parse(body) as { id: string; method: string; params: unknown[] };
      calls.push({ method, params });
      const reply = replies[method]?.(params) ?? { error: { code: -32601, message: 'Method not found' } };
      if (reply === 'hang') return;
      if ('status' in reply) {
        res.writeHead(reply.status).end(reply.body ?? 'unavailable');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id, ...reply }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/?api-key=SECRET123`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

beforeEach(() => {
  calls = [];
  replies = {};
});

const chainFor = (opts: { timeoutMs?: number } = {}): Chain => createRpcChain({ url, commitment: 'confirmed', ...opts });
const signedTx = () => buildCreateMint({ payer: Keypair.generate(), mint: Keypair.generate(), decimals: 6, blockhash: { blockhash: 'EoFTpfnj9yz1xp2xeQDcPnMRxPiLwhU6H2RtZAJBj3jd', lastValidBlockHeight: 500n } });
const preflightError = (message: string, logs: string[] = []) => () => ({ error: { code: -32002, message, data: { err: null, logs, accounts: null, unitsConsumed: 0 } } });

describe('rpc chain: reads', () => {
  it('maps blockhash, heights, supply and balances to bigints at the configured commitment', async () => {
    replies = {
      getLatestBlockhash: () => ctx({ blockhash: 'EoFTpfnj9yz1xp2xeQDcPnMRxPiLwhU6H2RtZAJBj3jd', lastValidBlockHeight: 1_000_150 }, 123),
      getBlockHeight: () => ({ result: 1_000_001 }),
      getTokenSupply: () => ctx({ amount: '18446744073709551615', decimals: 8, uiAmount: 1.8e11, uiAmountString: '184467440737.09551615' }),
      getTokenAccountBalance: () => ctx({ amount: '9007199254740993', decimals: 8, uiAmount: 9e7, uiAmountString: '90071992.54740993' }),
      getBalance: () => ctx(5_000_000_000),
      getAccountInfo: () => ctx(null),
    };
    const chain = chainFor();
    expect(chain.kind).toBe('rpc');
    expect(await chain.latestBlockhash()).toEqual({ blockhash: 'EoFTpfnj9yz1xp2xeQDcPnMRxPiLwhU6H2RtZAJBj3jd', lastValidBlockHeight: 1_000_150n, slot: 123n });
    expect(await chain.blockHeight()).toBe(1_000_001n);
    const mint = Keypair.generate().publicKey;
    expect(await chain.tokenSupply(mint)).toBe(2n ** 64n - 1n);
    expect(await chain.tokenBalance(Keypair.generate().publicKey, mint)).toBe(9_007_199_254_740_993n);
    expect(await chain.lamports(mint)).toBe(5_000_000_000n);
    expect(await chain.accountExists(mint)).toBe(false);
    expect(calls.find((c) => c.method === 'getLatestBlockhash')!.params).toEqual([{ commitment: 'confirmed' }]);
    // Expiry is decided on the finalized height.
    expect(calls.find((c) => c.method === 'getBlockHeight')!.params).toEqual([{ commitment: 'finalized' }]);
  });

  it('reads 0n for a missing token account and refuses a missing mint', async () => {
    const missing = () => ({ error: { code: -32602, message: 'Invalid param: could not find account' } });
    replies = { getTokenAccountBalance: missing, getTokenSupply: missing };
    const chain = chainFor();
    expect(await chain.tokenBalance(Keypair.generate().publicKey, Keypair.generate().publicKey)).toBe(0n);
    await expect(chain.tokenSupply(Keypair.generate().publicKey)).rejects.toMatchObject({ code: 'CHAIN_ACCOUNT_NOT_FOUND', httpStatus: 404 });
  });

  it('searches the history for statuses, 256 signatures per call, and maps each state', async () => {
    const states = [
      null,
      { slot: 10, confirmations: null, err: null, confirmationStatus: 'finalized' },
      { slot: 11, confirmations: 3, err: null, confirmationStatus: 'confirmed' },
      { slot: 12, confirmations: 1, err: null, confirmationStatus: 'processed' },
      { slot: 13, confirmations: null, err: { InstructionError: [2, { Custom: 0 }] }, confirmationStatus: 'finalized' },
    ];
    replies = { getSignatureStatuses: (params) => ctx((params[0] as string[]).map((_, i) => states[i % states.length])) };
    const chain = chainFor();
    const sigs = Array.from({ length: 300 }, (_, i) => `sig${i}`);
    const got = await chain.signatureStatuses(sigs);
    expect(got.slice(0, 5)).toEqual([
      { state: 'unknown' },
      { state: 'finalized', slot: 10n },
      { state: 'confirmed', slot: 11n },
      { state: 'processed', slot: 12n },
      { state: 'failed', slot: 13n, commitment: 'finalized', error: 'Error processing Instruction 2: custom program error: 0x0', instructionIndex: 2, customCode: 0 },
    ]);
    expect(got).toHaveLength(300);
    expect(calls.map((c) => [(c.params[0] as string[]).length, c.params[1]])).toEqual([
      [256, { searchTransactionHistory: true }],
      [44, { searchTransactionHistory: true }],
    ]);
    expect(await chain.signatureStatus('x')).toEqual({ state: 'unknown' });
  });
});

describe('rpc chain: sending', () => {
  it('sends base64 bytes once (maxRetries 0) with preflight on, and returns the first signature', async () => {
    const tx = signedTx();
    replies = { sendTransaction: () => ({ result: tx.signature }) };
    expect(await chainFor().sendRawTransaction(tx.bytes)).toBe(tx.signature);
    expect(calls).toEqual([
      { method: 'sendTransaction', params: [Buffer.from(tx.bytes).toString('base64'), { encoding: 'base64', maxRetries: 0, preflightCommitment: 'confirmed' }] },
    ]);
  });

  it('treats "already processed" as success: a resend returns the same signature', async () => {
    const tx = signedTx();
    replies = { sendTransaction: preflightError('Transaction simulation failed: This transaction has already been processed') };
    expect(await chainFor().sendRawTransaction(tx.bytes)).toBe(tx.signature);
  });

  it('maps preflight failures: blockhash not found, and program errors with index, code and logs', async () => {
    const chain = chainFor();
    replies = { sendTransaction: preflightError('Transaction simulation failed: Blockhash not found') };
    await expect(chain.sendRawTransaction(signedTx().bytes)).rejects.toMatchObject({ code: 'CHAIN_BLOCKHASH_NOT_FOUND', httpStatus: 409 });
    replies = {
      sendTransaction: preflightError('Transaction simulation failed: Error processing Instruction 3: custom program error: 0x1', ['Program log: Error: insufficient funds']),
    };
    await expect(chain.sendRawTransaction(signedTx().bytes)).rejects.toMatchObject({
      code: 'CHAIN_TX_REJECTED',
      details: { method: 'sendTransaction', instructionIndex: 3, customCode: 1, logs: ['Program log: Error: insufficient funds'] },
    });
    await expect(chain.sendRawTransaction(new Uint8Array([0]))).rejects.toMatchObject({ code: 'CHAIN_TX_REJECTED' });
  });
});

describe('rpc chain: outages', () => {
  it('maps HTTP 5xx, 429 (without web3.js retrying), unhealthy nodes and refused connections to CHAIN_UNAVAILABLE', async () => {
    const chain = chainFor();
    replies = { getBlockHeight: () => ({ status: 503 }) };
    await expect(chain.blockHeight()).rejects.toMatchObject({ code: 'CHAIN_UNAVAILABLE', httpStatus: 503 });
    calls = [];
    replies = { getBlockHeight: () => ({ status: 429, body: 'slow down' }) };
    await expect(chain.blockHeight()).rejects.toMatchObject({ code: 'CHAIN_UNAVAILABLE' });
    expect(calls).toHaveLength(1);
    replies = { getLatestBlockhash: () => ({ error: { code: -32005, message: 'Node is unhealthy', data: { numSlotsBehind: 120 } } }) };
    await expect(chain.latestBlockhash()).rejects.toMatchObject({ code: 'CHAIN_UNAVAILABLE', details: { rpcCode: -32005 } });

    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const refused = await createRpcChain({ url: `http://127.0.0.1:${port}` }).blockHeight().catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'CHAIN_UNAVAILABLE', details: { errno: 'ECONNREFUSED' } });
  });

  it('times out a node that does not answer, keeping the cause', async () => {
    replies = { getBlockHeight: () => 'hang' };
    const t0 = Date.now();
    const err = await chainFor({ timeoutMs: 200 }).blockHeight().catch((e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(err).toMatchObject({ code: 'CHAIN_UNAVAILABLE', httpStatus: 503 });
    expect((err as Error).cause).toMatchObject({ name: 'TimeoutError' });
  });

  it('reports other RPC errors as CHAIN_RPC_FAILED, never leaking the API key', async () => {
    const err = await chainFor().lamports(Keypair.generate().publicKey).catch((e: unknown) => e); // no handler: Method not found
    expect(err).toMatchObject({ code: 'CHAIN_RPC_FAILED', httpStatus: 502, details: { method: 'getBalance', rpcCode: -32601 } });
    expect(JSON.stringify({ m: (err as Error).message, d: (err as { details: unknown }).details })).not.toContain('SECRET123');
    replies = { getBlockHeight: () => ({ status: 503 }) };
    const down = await chainFor().blockHeight().catch((e: unknown) => e);
    expect(JSON.stringify({ m: (down as Error).message, d: (down as { details: unknown }).details })).not.toContain('SECRET123');
  });

  it('refuses calls after close', async () => {
    const chain = chainFor();
    await chain.close();
    await expect(chain.blockHeight()).rejects.toMatchObject({ code: 'CHAIN_UNAVAILABLE' });
    expect(calls).toEqual([]);
  });
});
