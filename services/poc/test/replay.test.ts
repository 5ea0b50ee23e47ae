import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bytesToHex, keyOf } from './helpers.ts';
import { replayLines, runReplay } from '../src/replay.ts';
import { cellAt, HOUR, T0_MS, T0_S, World } from '../src/testkit.ts';
import { heliumRules, hexlightRules } from '../src/verifier/rulesets.ts';
import type { Ruleset } from '../src/verifier/checks.ts';
import type { EntropyRecord, HotspotMeta, ReportIn } from '../src/verifier/types.ts';

const FIXTURES = new URL('../../../test-fixtures/', import.meta.url);
const EVENTS = new URL('replay-small.events.jsonl', FIXTURES);
const EXPECTED = new URL('replay-small.expected.jsonl', FIXTURES);

const parseLines = (text: string): Record<string, unknown>[] => text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

/** The fields spec/examples/README.md says to compare, in line and witness order. */
function comparable(lines: Record<string, unknown>[]): unknown[] {
  return lines.map((l) => {
    const beacon = l.beacon as Record<string, unknown>;
    const witnesses = l.witnesses as Record<string, unknown>[];
    return {
      poc_id: l.poc_id, beaconer: l.beaconer, received_ms: l.received_ms,
      beacon: { valid: beacon.valid, reason: beacon.reason, hex_scale: beacon.hex_scale, reward_unit: beacon.reward_unit },
      witnesses: witnesses.map((w) => ({ address: w.address, received_ms: w.received_ms, valid: w.valid, reason: w.reason, selected: w.selected, reward_unit: w.reward_unit })),
    };
  });
}

describe('acceptance: replay --rules helium on spec/examples', () => {
  it('reproduces replay-small.expected.jsonl', async () => {
    const out = await replayLines(readFileSync(EVENTS, 'utf8').split('\n'), { rules: heliumRules });
    const expected = parseLines(readFileSync(EXPECTED, 'utf8'));
    expect(out).toHaveLength(12);
    expect(comparable(out.map((l) => JSON.parse(l) as Record<string, unknown>))).toEqual(comparable(expected));
    // Beyond the README's field list: the lines are the expected ones exactly, key for key.
    expect(out.map((l) => JSON.parse(l))).toEqual(expected);
  });

  it('hexlight gives the same verdicts on it (no documented difference applies)', async () => {
    const out = await replayLines(readFileSync(EVENTS, 'utf8').split('\n'), { rules: hexlightRules });
    expect(out.map((l) => JSON.parse(l))).toEqual(parseLines(readFileSync(EXPECTED, 'utf8')));
  });
});

// ---- unusable input ----

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'poc-replay-'));
}

async function replayFile(content: string, rules = 'helium'): Promise<{ code: number; stderr: string; out: string; wrote: boolean }> {
  const dir = tmp();
  const inPath = join(dir, 'in.jsonl');
  const out = join(dir, 'out.jsonl');
  writeFileSync(inPath, content);
  let stderr = '';
  const code = await runReplay({ rules, inPath, outPath: out, stderr: (t) => (stderr += t), progressIntervalMs: 0 });
  const wrote = existsSync(out);
  return { code, stderr, out: wrote ? readFileSync(out, 'utf8') : '', wrote };
}

const fixtureLines = readFileSync(EVENTS, 'utf8').trim().split('\n');

describe('unusable input: exit 2, line number and problem on stderr, no output', () => {
  const withLine3 = (l: string): string => [...fixtureLines.slice(0, 2), l, ...fixtureLines.slice(3)].join('\n');
  it.each([
    ['bad JSON', '{"kind":"hotspot",', /line 3: not valid JSON/],
    ['not an object', '[1,2]', /line 3: an event must be a JSON object/],
    ['unknown kind', '{"kind":"teleport","at_ms":1}', /line 3: unknown kind "teleport"/],
    ['missing field', '{"kind":"beacon","payload":"AAAA"}', /line 3: missing field "received_ms"/],
    ['wrong type', '{"kind":"beacon","received_ms":"soon","payload":"AAAA"}', /line 3: field "received_ms" must be an integer/],
    ['bad base64', '{"kind":"witness","received_ms":1,"payload":"!!!"}', /line 3: field "payload" is not base64/],
    ['payload that is no report', '{"kind":"beacon","received_ms":1,"payload":"AAAA"}', /line 3: not a beacon report/],
    ['unknown region', fixtureLines[2]!.replace('"EU868"', '"EU433"'), /line 3: field "region" must be one of/],
    ['bad location', fixtureLines[2]!.replace(/"location":"[0-9a-f]+"/, '"location":"zz"'), /line 3: field "location"/],
    ['bad address', '{"kind":"deny","address":"1abc","tag":"v1"}', /line 3: field "address" is not a hotspot address/],
  ])('%s', async (_, bad, message) => {
    const r = await replayFile(withLine3(bad));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.wrote).toBe(false);
  });

  it('a bad line at the very end still writes nothing', async () => {
    const r = await replayFile(`${fixtureLines.join('\n')}\n{oops\n`);
    expect(r).toMatchObject({ code: 2, wrote: false });
    expect(r.stderr).toMatch(/line 65: not valid JSON/);
  });

  it('an unknown ruleset or a missing input file', async () => {
    expect(await replayFile('', 'strict')).toMatchObject({ code: 2, stderr: expect.stringMatching(/unknown ruleset "strict"/) });
    let stderr = '';
    const code = await runReplay({ rules: 'helium', inPath: join(tmp(), 'nope.jsonl'), outPath: join(tmp(), 'o'), stderr: (t) => (stderr += t) });
    expect(code).toBe(2);
    expect(stderr).toMatch(/cannot read/);
  });

  it('an empty input is a valid, empty replay', async () => {
    expect(await replayFile('\n')).toMatchObject({ code: 0, out: '', wrote: true });
  });
});

// ---- semantics, on constructed streams ----

const hotspotEvent = (m: HotspotMeta, atMs = 0): object => ({
  kind: 'hotspot', at_ms: atMs, address: m.address, owner: m.owner, location: m.location, region: m.region, gain: m.gain, elevation: m.elevation, capability: m.capability,
});
const entropyEvent = (e: EntropyRecord, atMs = e.timestamp * 1000): object => ({ kind: 'entropy', at_ms: atMs, data: bytesToHex(e.data), timestamp: e.timestamp, version: e.version });
const reportEvent = (r: ReportIn<'beacon'> | ReportIn<'witness'>): object => ({ kind: r.decoded.kind, received_ms: r.receivedMs, payload: Buffer.from(r.payload).toString('base64') });

async function replay(events: object[], rules: Ruleset = heliumRules, warn?: (m: string) => void): Promise<Record<string, any>[]> {
  const out = await replayLines(events.map((e) => JSON.stringify(e)), { rules, ...(warn ? { warn } : {}) });
  return out.map((l) => JSON.parse(l) as Record<string, any>);
}

/** B and W1, 3 km apart, made reciprocal by two PoCs in the 06:00 window (W1's is valid). */
function bootstrap(): { w: World; events: object[] } {
  const w = new World();
  const B = w.hotspot('B', { location: cellAt(0) });
  const W1 = w.hotspot('W1', { location: cellAt(3) });
  const e1 = w.entropy(T0_S);
  const e2 = w.entropy(T0_S + 600);
  const b1 = w.beacon('B', { entropy: e1, receivedMs: T0_MS + 30_000 });
  const b2 = w.beacon('W1', { entropy: e2, receivedMs: T0_MS + 630_000 });
  return {
    w,
    events: [hotspotEvent(B), hotspotEvent(W1), entropyEvent(e1), reportEvent(b1), reportEvent(w.witness('W1', b1)), entropyEvent(e2), reportEvent(b2), reportEvent(w.witness('B', b2))],
  };
}

describe('replay semantics (spec/poc-replay.md)', () => {
  it('bootstraps reciprocity: the first beacon fails it, the second PoC is valid', async () => {
    const out = await replay(bootstrap().events);
    expect(out.map((l) => [l.beacon.reason, l.witnesses.map((x: any) => x.reason)])).toEqual([['gateway_no_valid_witnesses', ['gateway_no_valid_witnesses']], [null, [null]]]);
    expect(out[1]!.beacon).toMatchObject({ valid: true, hex_scale: 0.2, reward_unit: 0.25 });
  });

  it('orphan witnesses end stale; a beacon with unknown entropy ends stale with its witnesses; lines sorted by time', async () => {
    const { w, events } = bootstrap();
    const t = T0_MS + 6 * HOUR;
    const unknown = { data: new Uint8Array(32).fill(9), timestamp: t / 1000, version: 0 };
    const staleBeacon = w.beacon('B', { entropy: unknown, receivedMs: t + 5000 });
    const e3 = w.entropy(t / 1000);
    const b3 = w.beacon('W1', { entropy: e3, receivedMs: t + 10_000 });
    const orphanFor = w.beacon('W1', { entropy: w.entropy(t / 1000 + 1), receivedMs: t + 1000 });
    const out = await replay([
      ...events,
      reportEvent(w.witness('B', orphanFor, { receivedMs: t + 2000 })),
      reportEvent(staleBeacon), reportEvent(w.witness('W1', staleBeacon)),
      entropyEvent(e3), reportEvent(b3),
    ]);
    const tail = out.slice(2);
    expect(tail.map((l) => (l.orphan_witness ? ['orphan', l.reason, l.received_ms] : ['beacon', l.beacon.reason, l.received_ms]))).toEqual([
      ['orphan', 'stale', t + 2000],
      ['beacon', 'stale', t + 5000],
      // W1 witnessed within 48 h: valid, with no witness it earns 0 units.
      ['beacon', null, t + 10_000],
    ]);
    expect(tail[2]!.beacon).toMatchObject({ valid: true, reward_unit: 0 });
    expect(tail[1]!.witnesses.map((x: any) => x.reason)).toEqual(['stale']);
  });

  it('bad signatures: a beacon line without witnesses; a witness as an orphan line; neither takes part', async () => {
    const { w, events } = bootstrap();
    const t = T0_MS + 6 * HOUR;
    const e = w.entropy(t / 1000);
    const forged = w.beacon('B', { entropy: e, receivedMs: t + 30_000, signWith: keyOf('mallory') });
    const honestWitness = w.witness('W1', forged);
    const forgedWitness = w.witness('W1', forged, { receivedMs: t + 30_400, signWith: keyOf('mallory') });
    const out = await replay([...events, entropyEvent(e), reportEvent(forged), reportEvent(honestWitness), reportEvent(forgedWitness)]);
    expect(out.slice(2)).toEqual([
      { poc_id: forged.id, beaconer: forged.address, received_ms: t + 30_000, beacon: { valid: false, reason: 'bad_signature', hex_scale: null, reward_unit: 0 }, witnesses: [] },
      { orphan_witness: honestWitness.id, address: honestWitness.address, received_ms: t + 30_200, reason: 'stale' },
      { orphan_witness: forgedWitness.id, address: forgedWitness.address, received_ms: t + 30_400, reason: 'bad_signature' },
    ]);
  });

  it('self-witnesses are omitted from a valid PoC and listed on an invalid one', async () => {
    const { w, events } = bootstrap();
    const t = T0_MS + 6 * HOUR;
    const e = w.entropy(t / 1000);
    const b = w.beacon('W1', { entropy: e, receivedMs: t + 30_000 });
    const e2 = w.entropy(t / 1000 + 600);
    const again = w.beacon('W1', { entropy: e2, receivedMs: t + 630_000 });
    const out = await replay([
      ...events, entropyEvent(e), reportEvent(b), reportEvent(w.witness('W1', b)), reportEvent(w.witness('B', b, { receivedMs: t + 30_300 })),
      entropyEvent(e2), reportEvent(again), reportEvent(w.witness('W1', again)),
    ]);
    expect(out[2]!.beacon.valid).toBe(true);
    expect(out[2]!.witnesses.map((x: any) => x.address)).toEqual([w.metas.get('B')!.address]);
    expect(out[3]!.beacon.reason).toBe('irregular_interval');
    expect(out[3]!.witnesses.map((x: any) => [x.address, x.reason])).toEqual([[w.metas.get('W1')!.address, 'irregular_interval']]);
  });

  it('a witness read after its beacon was verified is an orphan; one read before the beacon belongs to it', async () => {
    const { w, events } = bootstrap();
    const t = T0_MS + 6 * HOUR;
    const e = w.entropy(t / 1000);
    const b = w.beacon('W1', { entropy: e, receivedMs: t + 30_000 });
    const early = w.witness('B', b, { receivedMs: t + 29_900 });
    const tick = w.entropy(t / 1000 + 300);
    const late = w.witness('B', b, { receivedMs: t + 30_500 });
    const out = await replay([...events, entropyEvent(e), reportEvent(early), reportEvent(b), entropyEvent(tick), reportEvent(late)]);
    expect(out[2]!.witnesses.map((x: any) => x.received_ms)).toEqual([t + 29_900]);
    expect(out[3]).toMatchObject({ orphan_witness: late.id, reason: 'stale' });
  });

  it('a relocation applies from its at_ms on: witnesses are judged where the hotspot stood then', async () => {
    const { w, events } = bootstrap();
    const t = T0_MS + 6 * HOUR;
    const moved = { ...w.metas.get('B')!, location: cellAt(3.05) };
    const e = w.entropy(t / 1000);
    const b = w.beacon('W1', { entropy: e, receivedMs: t + 30_000 });
    const e2 = w.entropy(t / 1000 + 6 * 3600);
    const b2 = w.beacon('W1', { entropy: e2, receivedMs: t + 6 * HOUR + 30_000 });
    const out = await replay([
      ...events,
      entropyEvent(e), reportEvent(b), reportEvent(w.witness('B', b)),
      // B moves next to W1 from t + 1 h on (at_ms also moves the replay clock).
      hotspotEvent(moved, t + HOUR),
      entropyEvent(e2), reportEvent(b2), reportEvent(w.witness('B', b2)),
    ]);
    expect(out[2]!.witnesses[0]).toMatchObject({ valid: true });
    expect(out[3]!.witnesses[0]).toMatchObject({ valid: false, reason: 'below_min_distance' });
  });

  it('beacons are verified in ready order and their state takes effect at once', async () => {
    const { w, events } = bootstrap();
    const t = T0_MS + 6 * HOUR;
    // Two beacons of W1 in one window, the later-received one on the older entropy: it is ready
    // first, so it takes the window and the other is irregular.
    const older = w.entropy(t / 1000);
    const newer = w.entropy(t / 1000 + 60);
    const first = w.beacon('W1', { entropy: older, receivedMs: t + 100_000 });
    const second = w.beacon('W1', { entropy: newer, receivedMs: t + 90_000 });
    const out = await replay([...events, entropyEvent(older), entropyEvent(newer), reportEvent(second), reportEvent(first)]);
    expect(out.slice(2).map((l) => [l.received_ms, l.beacon.reason])).toEqual([[t + 90_000, 'irregular_interval'], [t + 100_000, null]]);
  });

  it('the same payload twice counts once (the store keeps a report once), with a warning', async () => {
    const { events } = bootstrap();
    const warnings: string[] = [];
    const out = await replay([...events, events[4]!], heliumRules, (m) => warnings.push(m));
    expect(out).toHaveLength(2);
    expect(warnings).toEqual([expect.stringMatching(/^line 9: witness [0-9a-f]{64} already read/)]);
  });

  it('rulesets differ where documented: a beaconer claiming too much power', async () => {
    const { w, events } = bootstrap();
    const t = T0_MS + 6 * HOUR;
    const e = w.entropy(t / 1000);
    const loud = w.beacon('W1', { entropy: e, receivedMs: t + 30_000, fields: { txPower: 27 } });
    const stream = [...events, entropyEvent(e), reportEvent(loud), reportEvent(w.witness('B', loud))];
    expect((await replay(stream, heliumRules))[2]!.beacon.valid).toBe(true);
    expect((await replay(stream, hexlightRules))[2]!.beacon.reason).toBe('tx_power_too_high');
  });
});
