import { defineError } from './errors.ts';

export const ConfigInvalid = defineError('CONFIG_INVALID', 'invalid configuration', { httpStatus: 500 });

type Env = Record<string, string | undefined>;

/** Reads an integer setting; a malformed value names the variable and why it matters. */
export function envInt(env: Env, name: string, fallback: number, opts: { min?: number; max?: number; what?: string } = {}): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value)) throw ConfigInvalid(`${name}=${JSON.stringify(raw)} is not an integer${opts.what ? ` (${opts.what})` : ''}`, { setting: name });
  if (opts.min !== undefined && value < opts.min) throw ConfigInvalid(`${name}=${value} is below ${opts.min}${opts.what ? ` (${opts.what})` : ''}`, { setting: name });
  if (opts.max !== undefined && value > opts.max) throw ConfigInvalid(`${name}=${value} is above ${opts.max}${opts.what ? ` (${opts.what})` : ''}`, { setting: name });
  return value;
}

export function envString(env: Env, name: string, fallback: string): string;
export function envString(env: Env, name: string, fallback?: undefined): string | undefined;
export function envString(env: Env, name: string, fallback?: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw === '' ? fallback : raw;
}

export function envBool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw ConfigInvalid(`${name}=${JSON.stringify(raw)} is not a boolean (true/false)`, { setting: name });
}

/** Freezes a config object deeply so nothing changes it after start-up. */
export function freezeDeep<T>(value: T): Readonly<T> {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) freezeDeep(v);
    Object.freeze(value);
  }
  return value;
}
