import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { definedErrorCodes } from '@hexlight/kit';
import { REFUSAL_REASONS } from '@hexlight/ingest';
import '@hexlight/store';
import '@hexlight/poc';
import '@hexlight/hotspot-sim';
import '@hexlight/chain';
import '@hexlight/rewards';
import '@hexlight/maps';
import '../src/network-clock.ts';
import '../src/runtime.ts';

const README = readFileSync(resolve(import.meta.dirname, '../../../README.md'), 'utf8');

describe('the README documents every stable code', () => {
  it('lists every error code defined anywhere in the tree', () => {
    expect(definedErrorCodes().size).toBeGreaterThan(20);
    expect([...definedErrorCodes().keys()].filter((c) => !README.includes(`\`${c}\``))).toEqual([]);
  });

  it('lists every MQTT refusal reason', () => {
    expect(REFUSAL_REASONS.filter((r) => !README.includes(`\`${r}\``))).toEqual([]);
  });
});
