import { readFileSync } from 'node:fs';
import { ConfigInvalid } from './config.ts';

type Env = Record<string, string | undefined>;

/**
 * Every setting that carries a secret, or a URL that can embed one (broker credentials, an RPC
 * provider's API key). Each may be given as `<NAME>_FILE`, the path of a file holding the value
 * (the Docker secrets convention), and none is ever logged.
 */
export const SECRET_VARIABLES = [
  'DATABASE_URL',
  'ADMIN_TOKEN',
  'STRIPE_SECRET_KEY',
  'STRIPE_WEBHOOK_SECRET',
  'INGEST_BROKER_URL',
  'INGEST_BROKER_PASSWORD',
  'INGEST_SERVICE_USERS',
  'INGEST_BROKER_HOOK_TOKEN',
  'POC_BROKER_URL',
  'MAPS_BROKER_URL',
  'SOLANA_RPC_URL',
] as const;

export type SecretVariable = (typeof SECRET_VARIABLES)[number];

/**
 * Resolves `<NAME>_FILE` into `<NAME>` in `env` (in place), before any config is loaded, so every
 * loader reads secrets as ordinary variables. The file's content loses one trailing newline
 * (`echo x > file` writes one); `<NAME>_FILE` is removed once resolved, so a second call, or a
 * child process given this environment, sees one source only. Both set, an unreadable file or an
 * empty one is CONFIG_INVALID naming the variable and the path, never the content.
 * Returns the names resolved from files.
 */
export function resolveSecretFiles(env: Env, names: readonly string[] = SECRET_VARIABLES, read: (path: string) => string = (p) => readFileSync(p, 'utf8')): string[] {
  const resolved: string[] = [];
  for (const name of names) {
    const fileVar = `${name}_FILE`;
    const path = env[fileVar];
    if (path === undefined || path === '') continue;
    if (env[name] !== undefined && env[name] !== '') {
      throw ConfigInvalid(`${name} and ${fileVar} are both set: give the secret one way (${fileVar}=${path})`, { setting: name, file: path });
    }
    let content: string;
    try {
      content = read(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      throw ConfigInvalid(`${fileVar}=${path} cannot be read (${code}): ${name} needs it`, { setting: name, file: path, reason: code });
    }
    const value = content.replace(/\r?\n$/, '');
    if (value === '') throw ConfigInvalid(`${fileVar}=${path} is empty: ${name} needs a value`, { setting: name, file: path });
    env[name] = value;
    delete env[fileVar];
    resolved.push(name);
  }
  return resolved;
}
