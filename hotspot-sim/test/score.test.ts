import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as h3 from 'h3-js';
import { simHotspotKey, simOwnerWallet } from '../src/roster.ts';
import {
  defaultWarmupEnd, formatScoreTable, parseTruth, readTruth, renderScoreSvg, scoreRun, SimTruthInvalid,
  type Behaviour, type BeaconVerdictLine, type OrphanVerdictLine, type Truth, type VerdictLine,
} from '../src/score/index.ts';

// scoreRun on a hand-made run whose every count is worked out below, truth validation, the table
// and the SVG.

const H = 3_600_000;
const START = Date.UTC(2026, 0, 5, 0, 0, 0); // on a 6-h boundary: the warm-up is [00:00, 06:00)
const END = Date.UTC(2026, 0, 5, 18, 0, 0);
const at = (hh: number, mm = 0) => START + hh * H + mm * 60_000;

const ROLES: [string, Behaviour, boolean][] = [
  ['A', 'honest', false], ['B', 'honest', false], ['C', 'honest', false], ['D', 'offline', false], ['E', 'flaky', false],
  ['S', 'spoofer', true], ['P', 'beacon_spammer', true], ['R', 'shared_radio', true], ['F', 'ring', true],
];
const addr: Record<string, string> = Object.fromEntries(ROLES.map(([n], i) => [n, simHotspotKey(99, i).address]));
addr.X = simHotspotKey(99, 100).address; // reports, but not in the truth file
const cell = h3.latLngToCell(38.72, -9.14, 12);

function truthDoc(): Truth {
  return {
    format: 'hexlight-sim-truth', version: 1, scenario: 'hand-made', seed: 99, speed: 60, clock: { startMs: START, endMs: END },
    hotspots: ROLES.map(([n, behaviour, cheater], i) => ({
      address: addr[n]!, owner: simOwnerWallet(99, i).address, behaviour, cheater, knobs: {},
      true: { lat: 38.72, lng: -9.14, cell }, asserted: { lat: 38.72, lng: -9.14, cell },
    })),
  };
}

type W = [name: string, valid: boolean, reason?: string];
function beacon(name: string, ms: number, valid: boolean | string, witnesses: W[] = []): BeaconVerdictLine {
  const reason = valid === true ? null : (valid as string);
  return {
    poc_id: `${name}-${ms}`, beaconer: addr[name]!, received_ms: ms, beacon: { valid: valid === true, reason },
    // On an invalid beacon every witness carries the beacon's reason (spec/poc-replay.md).
    witnesses: witnesses.map(([w, v, r], i) => ({ address: addr[w]!, received_ms: ms + 200 + i, valid: reason === null ? v : false, reason: reason ?? (v ? null : r ?? 'bad_rssi') })),
  };
}
const orphan = (name: string, ms: number, reason = 'stale'): OrphanVerdictLine => ({ orphan_witness: `o-${name}-${ms}`, address: addr[name]!, received_ms: ms, reason });

/** helium's verdicts; hexlight's differ only in R's witness reports (suspected_shared_radio). */
function verdicts(ruleset: 'helium' | 'hexlight'): VerdictLine[] {
  const r: W = ruleset === 'hexlight' ? ['R', false, 'suspected_shared_radio'] : ['R', true];
  return [
    beacon('A', at(1), 'gateway_no_valid_witnesses', [['B', false]]), // warm-up: not scored
    beacon('A', at(6, 30), true, [['B', true], ['C', true], ['S', false, 'bad_rssi'], r, ['F', true]]),
    beacon('S', at(6, 40), true, [['A', false, 'bad_rssi'], ['B', true]]),
    beacon('P', at(6, 50), true, [['A', true], r]),
    beacon('P', at(7), 'irregular_interval', [['A', true], ['B', true]]), // A's and B's reports here are set aside
    beacon('R', at(7, 10), true, [['A', true], ['S', false, 'bad_rssi']]),
    beacon('F', at(7, 20), true, [r]),
    beacon('B', at(12, 30), true, [['A', true], ['S', false, 'bad_rssi'], ['E', true], r, ['F', true]]),
    beacon('P', at(12, 40), 'irregular_interval', [['B', true]]),
    beacon('P', at(12, 50), 'irregular_interval'),
    orphan('E', at(13)),
    beacon('C', at(13, 10), true, [['S', true], ['A', true]]),
    beacon('X', at(14), true, [['A', true]]),
    beacon('C', END, 'too_late'), // after the run: not scored
  ];
}

const score = (opts = {}) => scoreRun(truthDoc(), { helium: verdicts('helium'), hexlight: verdicts('hexlight') }, opts);

describe('scoreRun', () => {
  it('counts each hotspot\'s reports by role, set-asides and warm-up included', () => {
    const helium = score().rulesets[0]!;
    const h = Object.fromEntries(helium.hotspots.map((x) => [ROLES[truthDoc().hotspots.findIndex((t) => t.address === x.address)]![0], x]));
    expect(h.A).toMatchObject({ beacons: 1, beaconsInvalid: 0, witnesses: 6, witnessesInvalid: 1, witnessesExcluded: 1, flagged: false, reasons: { bad_rssi: 1 } });
    expect(h.B).toMatchObject({ beacons: 1, witnesses: 2, witnessesInvalid: 0, witnessesExcluded: 2, flagged: false });
    expect(h.C).toMatchObject({ beacons: 1, beaconsInvalid: 0, witnesses: 1, flagged: false });
    expect(h.D).toMatchObject({ beacons: 0, witnesses: 0, silent: true, flagged: false, beaconInvalidShare: null, witnessInvalidShare: null });
    expect(h.E).toMatchObject({ witnesses: 2, witnessesInvalid: 1, witnessInvalidShare: 0.5, flagged: true, reasons: { stale: 1 } });
    expect(h.S).toMatchObject({ beacons: 1, beaconsInvalid: 0, witnesses: 4, witnessesInvalid: 3, witnessInvalidShare: 0.75, flagged: true });
    expect(h.P).toMatchObject({ beacons: 4, beaconsInvalid: 3, beaconInvalidShare: 0.75, witnesses: 0, flagged: true, reasons: { irregular_interval: 3 } });
    expect(h.R).toMatchObject({ beacons: 1, witnesses: 4, witnessesInvalid: 0, flagged: false });
    expect(h.F).toMatchObject({ beacons: 1, witnesses: 2, witnessesInvalid: 0, flagged: false });
    const hex = score().rulesets[1]!.hotspots.find((x) => x.address === addr.R)!;
    expect(hex).toMatchObject({ witnesses: 4, witnessesInvalid: 4, flagged: true, reasons: { suspected_shared_radio: 4 } });
  });

  it('gives exact counts per behaviour and overall precision, recall and F1', () => {
    const result = score();
    expect(result).toMatchObject({ hotspots: 9, cheaters: 4, otherHotspots: 1, threshold: 0.5, warmupEndMs: at(6) });
    const [helium, hexlight] = result.rulesets;
    const groups = (r: typeof helium) => Object.fromEntries(r!.behaviours.map((b) => [b.behaviour, [b.hotspots, b.silent, b.judged, b.caught, b.missed, b.wronglyInvalidated]]));
    expect(groups(helium)).toEqual({
      honest: [3, 0, 3, 0, 0, 0], offline: [1, 1, 0, 0, 0, 0], flaky: [1, 0, 1, 0, 0, 1],
      spoofer: [1, 0, 1, 1, 0, 0], ring: [1, 0, 1, 0, 1, 0], shared_radio: [1, 0, 1, 0, 1, 0], beacon_spammer: [1, 0, 1, 1, 0, 0],
    });
    expect(groups(hexlight).shared_radio).toEqual([1, 0, 1, 1, 0, 0]);
    expect(helium!.behaviours.find((b) => b.behaviour === 'honest')).toMatchObject({
      caughtRate: null, wronglyInvalidatedRate: 0,
      reports: { beacons: 3, beaconsInvalid: 0, witnesses: 9, witnessesInvalid: 1, witnessesExcluded: 3, reasons: { bad_rssi: 1 } },
    });
    expect(helium!.overall).toEqual({
      cheaters: 4, nonCheaters: 5, caught: 2, missed: 2, wronglyInvalidated: 1,
      precision: 2 / 3, recall: 0.5, f1: 4 / 7, falsePositiveRate: 0.2, honestFalsePositiveRate: 0,
    });
    expect(hexlight!.overall).toMatchObject({ caught: 3, missed: 1, wronglyInvalidated: 1, precision: 0.75, recall: 0.75, f1: 0.75 });
  });

  it('applies the threshold (≥) and reports an undefined precision when nobody is flagged', () => {
    const [helium, hexlight] = score({ threshold: 0.8 }).rulesets;
    expect(helium!.overall).toMatchObject({ caught: 0, wronglyInvalidated: 0, precision: null, recall: 0, f1: 0 });
    expect(hexlight!.overall).toMatchObject({ caught: 1, wronglyInvalidated: 0, precision: 1, recall: 0.25 });
    expect(() => score({ threshold: 0 })).toThrow(RangeError);
  });

  it('without the warm-up, a fresh network\'s first beacon is unproven, not invalid', () => {
    const helium = score({ warmupEndMs: START }).rulesets[0]!;
    // Its first beacon had no valid witness yet (reciprocity): tallied apart, outside the share.
    expect(helium.hotspots.find((x) => x.address === addr.A)).toMatchObject({ beacons: 1, beaconsInvalid: 0, beaconsUnproven: 1, flagged: false });
    expect(helium.overall.honestFalsePositiveRate).toBe(0);
  });

  it('ends the warm-up with the first complete beacon window', () => {
    expect(defaultWarmupEnd(START)).toBe(at(6));
    expect(defaultWarmupEnd(at(5))).toBe(at(12));
    expect(defaultWarmupEnd(at(0, 1))).toBe(at(12));
    expect(defaultWarmupEnd(at(0, 1), 3 * H)).toBe(at(6));
  });
});

describe('readTruth', () => {
  const write = (doc: unknown): string => {
    const path = join(mkdtempSync(join(tmpdir(), 'sim-truth-')), 'truth.json');
    writeFileSync(path, typeof doc === 'string' ? doc : JSON.stringify(doc));
    return path;
  };

  it('reads a valid file (an unasserted hotspot has asserted: null; unknown fields are ignored)', async () => {
    const doc = truthDoc() as unknown as { hotspots: Record<string, unknown>[]; extra?: unknown };
    doc.hotspots[3]!.asserted = null;
    doc.extra = { written_by: 'a newer simulator' };
    const truth = await readTruth(write(doc));
    expect(truth.hotspots).toHaveLength(9);
    expect(truth.hotspots[3]!.asserted).toBeNull();
    expect(truth).not.toHaveProperty('extra');
  });

  const cases: [string, (d: Record<string, unknown> & { hotspots: Record<string, unknown>[]; clock: Record<string, unknown> }) => void, string][] = [
    ['format', (d) => { d.format = 'something-else'; }, 'format'],
    ['version', (d) => { d.version = 2; }, 'version'],
    ['scenario', (d) => { delete d.scenario; }, 'scenario'],
    ['seed', (d) => { d.seed = 1.5; }, 'seed'],
    ['speed', (d) => { d.speed = 0; }, 'speed'],
    ['clock', (d) => { d.clock.endMs = START; }, 'clock.endMs'],
    ['hotspots', (d) => { d.hotspots = {} as never; }, 'hotspots'],
    ['address', (d) => { d.hotspots[2]!.address = '1abc'; }, 'hotspots[2].address'],
    ['duplicate address', (d) => { d.hotspots[4]!.address = d.hotspots[0]!.address; }, 'hotspots[4].address'],
    ['owner', (d) => { d.hotspots[1]!.owner = 'nobody'; }, 'hotspots[1].owner'],
    ['behaviour', (d) => { d.hotspots[1]!.behaviour = 'teleporter'; }, 'hotspots[1].behaviour'],
    ['cheater', (d) => { d.hotspots[5]!.cheater = 'yes'; }, 'hotspots[5].cheater'],
    ['knobs', (d) => { delete d.hotspots[0]!.knobs; }, 'hotspots[0].knobs'],
    ['true place', (d) => { (d.hotspots[0]!.true as Record<string, unknown>).lat = 123; }, 'hotspots[0].true.lat'],
    ['asserted cell', (d) => { (d.hotspots[6]!.asserted as Record<string, unknown>).cell = 'zz'; }, 'hotspots[6].asserted.cell'],
  ];
  it.each(cases)('refuses a bad %s with SIM_TRUTH_INVALID naming the field', async (_, spoil, field) => {
    const doc = JSON.parse(JSON.stringify(truthDoc()));
    spoil(doc);
    const path = write(doc);
    const err = await readTruth(path).catch((e: unknown) => e);
    expect(SimTruthInvalid.is(err)).toBe(true);
    expect((err as { details: unknown }).details).toEqual({ path, field });
    expect((err as Error).message).toContain(`"${field}"`);
  });

  it('refuses text that is not JSON and a file that cannot be read', async () => {
    expect(() => parseTruth('{"format":', 'x.json')).toThrow(/x\.json: not JSON/);
    const err = await readTruth('/nonexistent/truth.json').catch((e: unknown) => e);
    expect(SimTruthInvalid.is(err)).toBe(true);
  });
});

describe('output', () => {
  it('prints the tables with the definition', () => {
    const text = formatScoreTable(score());
    expect(text).toContain('scenario hand-made · seed 99 · speed 60× · 9 hotspots, 4 cheaters');
    expect(text).toContain('scored from 2026-01-05T06:00:00Z (1 reporting hotspot not in the truth file ignored)');
    expect(text).toContain('flagged: at least 50 % of its beacons, or at least 50 % of its witness reports, judged invalid');
    expect(text).toMatch(/\| shared_radio\s+\|\s+1 \|\s+0 \|\s+0\/1 \(0 %\) \|\s+1\/1 \(100 %\) \|/);
    expect(text).toMatch(/\| all cheaters\s+\|\s+4 \|\s+0 \|\s+2\/4 \(50 %\) \|\s+3\/4 \(75 %\) \|/);
    expect(text).toMatch(/\| flaky\s+\|\s+1 \|\s+0 \|\s+1\/1 \(100 %\) \|\s+1\/1 \(100 %\) \|/);
    expect(text).toMatch(/\| helium\s+\|\s+2\/4 \|\s+1\/5 \|\s+66\.7 % \|\s+50 % \|\s+57\.1 % \|/);
    expect(text).toMatch(/\| hexlight\s+\|\s+3\/4 \|\s+1\/5 \|\s+75 % \|\s+75 % \|\s+75 % \|/);
    expect(text).toMatch(/beacon_spammer\s+helium\s+beacons\s+3\/4\s+\(\+0 unproven\)\s+witness reports\s+0\/0\s+irregular_interval 3/);
    expect(text).toMatch(/shared_radio\s+helium\s+beacons\s+0\/1\s+\(\+0 unproven\)\s+witness reports\s+0\/4\s+none\n\s+hexlight\s+beacons\s+0\/1\s+\(\+0 unproven\)\s+witness reports\s+4\/4\s+suspected_shared_radio 4/);
  });

  it('draws a well-formed SVG with one bar per ruleset and behaviour', () => {
    const result = score();
    result.scenario = 'a <tricky> & "quoted" name';
    const svg = renderScoreSvg(result);
    const root = parseXml(svg);
    expect(root.name).toBe('svg');
    const bars = descendants(root).filter((e) => e.name === 'rect' && e.attrs.class === 'bar');
    expect(bars).toHaveLength(2 * 7);
    expect(new Set(bars.map((b) => `${b.attrs['data-ruleset']}/${b.attrs['data-behaviour']}`)).size).toBe(14);
    const share = (ruleset: string, behaviour: string) => Number(bars.find((b) => b.attrs['data-ruleset'] === ruleset && b.attrs['data-behaviour'] === behaviour)!.attrs['data-share']);
    expect([share('helium', 'shared_radio'), share('hexlight', 'shared_radio'), share('helium', 'flaky'), share('helium', 'honest')]).toEqual([0, 1, 1, 0]);
    // Equal shares, equal heights; the 100 % bar is the plot's full height.
    const height = (ruleset: string, behaviour: string) => Number(bars.find((b) => b.attrs['data-ruleset'] === ruleset && b.attrs['data-behaviour'] === behaviour)!.attrs.height);
    expect(height('hexlight', 'shared_radio')).toBe(height('helium', 'spoofer'));
    expect(height('helium', 'shared_radio')).toBe(0);
    const texts = descendants(root).filter((e) => e.name === 'text').map((e) => e.text);
    expect(texts).toContain('PoC scoring — scenario a <tricky> & "quoted" name, seed 99');
    expect(texts.some((t) => t.startsWith('helium: precision 66.7 %, recall 50 %, F1 57.1 %'))).toBe(true);
    expect(texts).toContain('hotspots flagged (share of the group)');
    expect(descendants(root).filter((e) => e.attrs.class === 'legend')).toHaveLength(2);
  });
});

// ---- a minimal XML reader: enough to prove well-formedness and count elements ----

interface XmlElement { name: string; attrs: Record<string, string>; children: XmlElement[]; text: string }

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
function unescapeXml(s: string): string {
  return s.replace(/&([a-z]+);|&/g, (m, name: string | undefined) => {
    if (!name || !(name in ENTITIES)) throw new Error(`bad entity near ${JSON.stringify(m)}`);
    return ENTITIES[name]!;
  });
}

function parseXml(doc: string): XmlElement {
  let s = doc.replace(/^<\?xml[^?]*\?>\s*/, '');
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const tag = /^<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>/;
  while (s.length > 0) {
    if (s.startsWith('<')) {
      const m = tag.exec(s);
      if (!m) throw new Error(`malformed tag at ${JSON.stringify(s.slice(0, 40))}`);
      const [all, close, name, attrText, selfClose] = m;
      if (close) {
        const open = stack.pop();
        if (open?.name !== name) throw new Error(`</${name}> closes <${open?.name}>`);
      } else {
        const attrs: Record<string, string> = {};
        for (const a of attrText!.matchAll(/([\w:.-]+)="([^"]*)"/g)) {
          if (a[1]! in attrs) throw new Error(`attribute ${a[1]} repeated`);
          attrs[a[1]!] = unescapeXml(a[2]!);
        }
        const el: XmlElement = { name: name!, attrs, children: [], text: '' };
        if (stack.length > 0) stack.at(-1)!.children.push(el);
        else if (root) throw new Error('two root elements');
        else root = el;
        if (!selfClose) stack.push(el);
      }
      s = s.slice(all.length);
    } else {
      const end = s.indexOf('<');
      const text = end < 0 ? s : s.slice(0, end);
      if (stack.length === 0 && text.trim() !== '') throw new Error('text outside the root');
      if (stack.length > 0) stack.at(-1)!.text += unescapeXml(text);
      s = end < 0 ? '' : s.slice(end);
    }
  }
  if (stack.length > 0 || !root) throw new Error(`unclosed <${stack.at(-1)?.name}>`);
  return root;
}

function descendants(e: XmlElement): XmlElement[] {
  return e.children.flatMap((c) => [c, ...descendants(c)]);
}
