/**
 * Keypair files in solana-keygen's format: a JSON array of the 64 secret-key bytes (seed then
 * public key), mode 600. Interchangeable with `solana-keygen new -o` and the Solana CLI.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Keypair } from '@solana/web3.js';
import { KeypairExists, KeypairInvalid, KeypairNotFound } from './errors.ts';

export async function loadKeypair(path: string): Promise<Keypair> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw KeypairNotFound(`keypair file ${path} not found`, { path }, err);
    throw KeypairInvalid(`cannot read keypair file ${path}`, { path }, err);
  }
  let bytes: unknown;
  try {
    bytes = JSON.parse(text);
  } catch {
    // No cause: the parser's message quotes the file, and the file is a secret.
    throw KeypairInvalid(`keypair file ${path} is not JSON`, { path });
  }
  if (!Array.isArray(bytes) || bytes.length !== 64 || !bytes.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) {
    throw KeypairInvalid(`keypair file ${path} must hold a JSON array of 64 bytes`, { path });
  }
  try {
    // Checks that the stored public key half matches the seed half.
    return Keypair.fromSecretKey(Uint8Array.from(bytes as number[]));
  } catch {
    throw KeypairInvalid(`keypair file ${path}: public key does not match the secret key`, { path });
  }
}

/**
 * Writes a new keypair file (mode 600; parent directories created with mode 700). Refuses to
 * overwrite: the file appears whole or not at all (written aside, fsynced, then hard-linked into
 * place, which fails if the name exists).
 */
export async function saveKeypair(path: string, keypair: Keypair): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const file = await open(tmp, 'wx', 0o600);
  try {
    await file.writeFile(JSON.stringify(Array.from(keypair.secretKey)));
    await file.sync();
  } finally {
    await file.close();
  }
  try {
    await link(tmp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw KeypairExists(`keypair file ${path} already exists`, { path }, err);
    throw err;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

/** Loads the keypair at `path`, creating it on first start (`created` tells the caller to fund it). */
export async function ensureKeypair(path: string): Promise<{ keypair: Keypair; created: boolean }> {
  try {
    return { keypair: await loadKeypair(path), created: false };
  } catch (err) {
    if (!KeypairNotFound.is(err)) throw err;
  }
  const keypair = Keypair.generate();
  try {
    await saveKeypair(path, keypair);
    return { keypair, created: true };
  } catch (err) {
    // Another process created it between our read and our write: theirs wins.
    if (KeypairExists.is(err)) return { keypair: await loadKeypair(path), created: false };
    throw err;
  }
}
