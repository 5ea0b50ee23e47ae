import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// `hexlight poc replay` through the real command line, once for success and once for unusable input.
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = join(ROOT, 'packages/cli/bin/hexlight.js');
const EVENTS = join(ROOT, 'test-fixtures/replay-small.events.jsonl');
const EXPECTED = join(ROOT, 'test-fixtures/replay-small.expected.jsonl');

const lines = (text: string): unknown[] => text.trim().split('\n').map((l) => JSON.parse(l));

describe('hexlight poc replay (CLI)', () => {
  it('reproduces the example and exits 0', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'poc-cli-')), 'verdicts.jsonl');
    const r = spawnSync(process.execPath, [CLI, 'poc', 'replay', '--rules', 'helium', '--in', EVENTS, '--out', out], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(lines(readFileSync(out, 'utf8'))).toEqual(lines(readFileSync(EXPECTED, 'utf8')));
  });

  it('exits 2 on unusable input, names the line, writes nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'poc-cli-'));
    const bad = join(dir, 'bad.jsonl');
    const out = join(dir, 'verdicts.jsonl');
    writeFileSync(bad, `${readFileSync(EVENTS, 'utf8').split('\n').slice(0, 4).join('\n')}\n{"kind":"beacon"}\n`);
    const r = spawnSync(process.execPath, [CLI, 'poc', 'replay', '--in', bad, '--out', out], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/line 5: missing field "received_ms"/);
    expect(existsSync(out)).toBe(false);
  });
});
