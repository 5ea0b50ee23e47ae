import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveSecretFiles, SECRET_VARIABLES } from './secrets.ts';

describe('resolveSecretFiles', () => {
  let dir = '';
  beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'hexlight-secrets-')); });
  afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

  const file = async (name: string, content: string) => {
    const path = join(dir, name);
    await writeFile(path, content);
    return path;
  };

  it('reads <NAME>_FILE into <NAME>, trims one trailing newline, and drops the _FILE variable', async () => {
    const env: Record<string, string | undefined> = {
      ADMIN_TOKEN_FILE: await file('admin', 'tok-with-trailing-space \n'),
      DATABASE_URL_FILE: await file('db', 'postgres://u:p@h/db\r\n'),
      STRIPE_SECRET_KEY_FILE: await file('stripe', 'sk_test_x\n\n'),
      HTTP_PORT: '8080',
    };
    expect(resolveSecretFiles(env).sort()).toEqual(['ADMIN_TOKEN', 'DATABASE_URL', 'STRIPE_SECRET_KEY']);
    // One newline only: the rest of the content is the operator's, spaces included.
    expect(env).toEqual({ ADMIN_TOKEN: 'tok-with-trailing-space ', DATABASE_URL: 'postgres://u:p@h/db', STRIPE_SECRET_KEY: 'sk_test_x\n', HTTP_PORT: '8080' });
    // Resolved once: a second call finds nothing to do and no conflict.
    expect(resolveSecretFiles(env)).toEqual([]);
  });

  it('refuses both NAME and NAME_FILE, an unreadable file and an empty one, naming the variable and path, never the content', async () => {
    const secret = 'do-not-print-me-7f3a';
    const both = { ADMIN_TOKEN: secret, ADMIN_TOKEN_FILE: await file('both', secret) };
    expect(() => resolveSecretFiles(both)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringMatching(/ADMIN_TOKEN and ADMIN_TOKEN_FILE are both set/) }));
    try { resolveSecretFiles(both); } catch (err) { expect(JSON.stringify({ m: (err as Error).message, d: (err as { details: unknown }).details })).not.toContain(secret); }

    const missing = join(dir, 'nope');
    expect(() => resolveSecretFiles({ SOLANA_RPC_URL_FILE: missing })).toThrow(expect.objectContaining({
      code: 'CONFIG_INVALID', message: `SOLANA_RPC_URL_FILE=${missing} cannot be read (ENOENT): SOLANA_RPC_URL needs it`, details: expect.objectContaining({ setting: 'SOLANA_RPC_URL', file: missing }),
    }));
    expect(() => resolveSecretFiles({ MAPS_BROKER_URL_FILE: dir })).toThrow(/MAPS_BROKER_URL_FILE=.* cannot be read \(EISDIR\)/);
    const empty = await file('empty', '\n');
    expect(() => resolveSecretFiles({ STRIPE_WEBHOOK_SECRET_FILE: empty })).toThrow(`STRIPE_WEBHOOK_SECRET_FILE=${empty} is empty`);
  });

  it('leaves variables that are not secrets alone, and empty _FILE values mean unset', () => {
    const env = { HTTP_PORT_FILE: '/etc/passwd', ADMIN_TOKEN_FILE: '' };
    expect(resolveSecretFiles(env)).toEqual([]);
    expect(env).toEqual({ HTTP_PORT_FILE: '/etc/passwd', ADMIN_TOKEN_FILE: '' });
    expect(SECRET_VARIABLES).toContain('INGEST_BROKER_HOOK_TOKEN');
  });
});
