// `hexlight sim` routes its subcommands (score, load, --scenario) and refuses bad input with a
// clear code, without a running network (the clock is followed only when one answers).
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const BIN = resolve(import.meta.dirname, '../bin/hexlight.js');
const run = promisify(execFile);

async function hexlight(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('hexlight sim subcommands', () => {
  it('--scenario with an unknown name names the built-ins (SIM_SCENARIO_NOT_FOUND)', async () => {
    const r = await hexlight(['sim', '--scenario', 'no-such-scenario', '--api', 'http://127.0.0.1:9', '--no-follow-clock']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('SIM_SCENARIO_NOT_FOUND');
    expect(r.stderr).toContain('city-mixed');
  }, 60_000);

  it('score without --truth is a usage error (exit 2)', async () => {
    const r = await hexlight(['sim', 'score']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--truth/);
  }, 60_000);

  it('load refuses contradictory options (exit 2)', async () => {
    const r = await hexlight(['sim', 'load', '--generate-only', '--mqtt', 'mqtt://127.0.0.1:1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('SIM_LOAD_OPTIONS_INVALID');
  }, 60_000);
});
