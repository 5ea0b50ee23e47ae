import { describe, expect, it } from 'vitest';
import { conductedPowerOrNull, hexToBytes } from '@hexlight/protocol';
import { addressOf, cellAt, HOUR, T0_MS, T0_S, World } from '../testkit.ts';
import { beaconPayload } from './beacon-checks.ts';
import type { BeaconFacts, Ruleset } from './checks.ts';
import { heliumRules, hexlightRules, rulesetByName } from './rulesets.ts';
import type { BeaconIn, PocResult, Reason, WitnessIn } from './types.ts';
import { verifyPoc } from './verify.ts';

// Every reason of both rulesets, each provoked by a minimal case built from real signed reports
// and real derived beacons. Base world: beaconer B at the centre, witness W1 3 km north, both
// reciprocal (witnessed and beaconed-with-witness 7 h before), entropy at T0, beacon at T0 + 30 s,
// witness 200 ms after the beacon at −100 dBm.

function baseWorld(): World {
  const w = new World();
  w.hotspot('B', { location: cellAt(0) });
  w.hotspot('W1', { location: cellAt(3) });
  w.hotspot('W2', { location: cellAt(0, 3) });
  w.reciprocal(['B', 'W1', 'W2']);
  return w;
}

interface Case {
  name?: string;
  /** Changes to the base world before the beacon is built. */
  setup?: (w: World) => void;
  beacon?: (w: World) => BeaconIn;
  witnesses?: (w: World, b: BeaconIn) => WitnessIn[];
}

async function run(c: Case, rules: Ruleset = heliumRules): Promise<{ w: World; beacon: BeaconIn; result: PocResult }> {
  const w = baseWorld();
  c.setup?.(w);
  const beacon = c.beacon ? c.beacon(w) : w.beacon('B');
  const witnesses = c.witnesses ? c.witnesses(w, beacon) : [w.witness('W1', beacon)];
  return { w, beacon, result: await verifyPoc(beacon, witnesses, w.state, rules) };
}

const BEACON_CASES: readonly (Case & { reason: Reason })[] = [
  { name: 'beaconer never onboarded', reason: 'gateway_not_found', beacon: (w) => w.beacon('stranger') },
  { name: 'beaconer onboarded only after the beacon', reason: 'gateway_not_found', setup: (w) => w.hotspot('late', { atMs: T0_MS + HOUR }), beacon: (w) => w.beacon('late') },
  { name: 'beaconer without a location', reason: 'not_asserted', setup: (w) => w.hotspot('B', { location: null }) },
  { name: 'beaconer denylisted', reason: 'denied', setup: (w) => w.state.deny(addressOf('B'), 'v7') },
  { name: 'beacon 181 s after the entropy', reason: 'entropy_expired', beacon: (w) => w.beacon('B', { receivedMs: T0_MS + 181_000 }) },
  { name: 'beacon before the entropy', reason: 'entropy_expired', beacon: (w) => w.beacon('B', { receivedMs: T0_MS - 1 }) },
  { name: 'data-only beaconer', reason: 'invalid_capability', setup: (w) => w.hotspot('B', { capability: 'data_only' }) },
  { name: 'second beacon in the 06:00–12:00 window', reason: 'irregular_interval', setup: (w) => w.state.apply([{ kind: 'last_beacon', address: addressOf('B'), atMs: T0_MS - HOUR + 1 }]) },
  { name: 'payload not derived from the entropy', reason: 'invalid_packet', beacon: (w) => w.beacon('B', { fields: { data: new Uint8Array(51).fill(7) } }) },
  { name: 'wrong channel', reason: 'invalid_packet', beacon: (w) => w.beacon('B', { fields: { frequency: 867_100_000 + 1 } }) },
  { name: 'wrong datarate', reason: 'invalid_packet', beacon: (w) => w.beacon('B', { fields: { datarate: 3 } }) },
  { name: 'unsupported entropy version', reason: 'invalid_packet', beacon: (w) => w.beacon('B', { entropy: w.entropy(T0_S, 'v2', 2) }) },
  { name: 'beaconer has not witnessed in 48 h', reason: 'gateway_no_valid_witnesses', setup: (w) => w.state.apply([{ kind: 'last_witness', address: addressOf('B'), atMs: T0_MS + 30_000 - 48 * HOUR }]) },
  { name: 'beaconer never witnessed', reason: 'gateway_no_valid_witnesses', setup: (w) => w.hotspot('B2', { location: cellAt(0, -3) }), beacon: (w) => w.beacon('B2') },
  { name: 'entropy unknown', reason: 'stale', beacon: (w) => w.beacon('B', { entropy: { data: hexToBytes('ab'.repeat(32)), timestamp: T0_S, version: 0 } }) },
];

describe.each([heliumRules, hexlightRules])('beacon reasons ($name)', (rules) => {
  it.each(BEACON_CASES)('$reason: $name', async (c) => {
    const { result } = await run(c, rules);
    expect(result.beaconVerdict).toMatchObject({ valid: false, reason: c.reason, hexScale: null, rewardUnit: 0 });
    // An invalid beacon takes its witnesses with it.
    expect(result.witnessVerdicts.map((v) => [v.reason, v.side, v.selected, v.rewardUnit])).toEqual([[c.reason, 'beaconer', false, 0]]);
    expect(result.shares).toEqual([]);
  });
});

const WITNESS_CASES: readonly (Case & { reason: Reason | null; expect?: Record<string, unknown> })[] = [
  { name: 'the base case is valid', reason: null },
  { name: 'second report from the same key', reason: 'duplicate', witnesses: (w, b) => [w.witness('W1', b), w.witness('W1', b, { receivedMs: b.receivedMs + 300, signal: -1010 })] },
  { name: 'unknown witness', reason: 'gateway_not_found', witnesses: (w, b) => [w.witness('stranger', b)] },
  { name: 'witness without a location', reason: 'not_asserted', setup: (w) => w.hotspot('W1', { location: null }) },
  { name: 'witness denylisted', reason: 'denied', setup: (w) => w.state.deny(addressOf('W1'), 'v7'), expect: { denylistTag: 'v7' } },
  { name: 'edge denylisted (either order)', reason: 'denied_edge', setup: (w) => w.state.denyEdge(addressOf('W1'), addressOf('B'), 'v8'), expect: { denylistTag: 'v8' } },
  { name: 'witness 181 s after the entropy', reason: 'entropy_expired', witnesses: (w, b) => [w.witness('W1', b, { receivedMs: T0_MS + 181_000 })] },
  { name: 'witness 4001 ms after the beacon', reason: 'too_late', witnesses: (w, b) => [w.witness('W1', b, { receivedMs: b.receivedMs + 4001 })], expect: { lagMs: 4001, maxLagMs: 4000, lagFrom: 'beacon' } },
  { name: 'witness 4000 ms after the beacon', reason: null, witnesses: (w, b) => [w.witness('W1', b, { receivedMs: b.receivedMs + 4000 })] },
  {
    name: 'first witness before the beacon: 1501 ms after it',
    reason: 'too_late',
    witnesses: (w, b) => [w.witness('W2', b, { receivedMs: b.receivedMs - 100 }), w.witness('W1', b, { receivedMs: b.receivedMs + 1401 })],
    expect: { lagMs: 1501, maxLagMs: 1500, lagFrom: 'first_witness' },
  },
  { name: 'witness with different bytes', reason: 'invalid_packet', witnesses: (w, b) => [w.witness('W1', b, { data: new Uint8Array(51).fill(1) })] },
  { name: 'data-only witness', reason: 'invalid_capability', setup: (w) => w.hotspot('W1', { location: cellAt(3), capability: 'data_only' }) },
  { name: 'witness 100 001 Hz off', reason: 'invalid_frequency', witnesses: (w, b) => [w.witness('W1', b, { frequency: b.decoded.report.frequency + 100_001 })], expect: { frequencyDeltaHz: 100_001 } },
  { name: 'witness 100 000 Hz off', reason: null, witnesses: (w, b) => [w.witness('W1', b, { frequency: b.decoded.report.frequency - 100_000 })] },
  { name: 'witness in another region', reason: 'invalid_region', setup: (w) => w.hotspot('W1', { location: cellAt(3), region: 'US915' }) },
  { name: 'witness 100 m away', reason: 'below_min_distance', setup: (w) => w.hotspot('W1', { location: cellAt(0.1) }) },
  { name: 'witness 102 km away', reason: 'max_distance_exceeded', setup: (w) => w.hotspot('W1', { location: cellAt(102) }), witnesses: (w, b) => [w.witness('W1', b, { signal: -1300 })] },
  { name: 'witness 99 km away', reason: null, setup: (w) => w.hotspot('W1', { location: cellAt(99) }), witnesses: (w, b) => [w.witness('W1', b, { signal: -1300 })] },
  { name: 'witness louder than free space', reason: 'bad_rssi', witnesses: (w, b) => [w.witness('W1', b, { signal: -500 })], expect: { measuredRssiDbm: -50 } },
  { name: 'witness that never beaconed with witnesses', reason: 'gateway_no_valid_beacons', setup: (w) => w.hotspot('W3', { location: cellAt(-3) }), witnesses: (w, b) => [w.witness('W3', b)] },
];

describe.each([heliumRules, hexlightRules])('witness reasons ($name)', (rules) => {
  it.each(WITNESS_CASES)('$reason: $name', async (c) => {
    const { result } = await run(c, rules);
    expect(result.beaconVerdict).toMatchObject({ valid: true, reason: null });
    const last = result.witnessVerdicts.at(-1)!;
    expect(last).toMatchObject({ valid: c.reason === null, reason: c.reason, selected: c.reason === null });
    if (c.reason !== null) expect(last).toMatchObject({ side: 'witness', rewardUnit: 0 });
    if (c.expect) expect(last.evidence).toMatchObject(c.expect);
  });
});

describe('self-witness', () => {
  it('is left out of a valid PoC (and not counted as a witness)', async () => {
    const { result } = await run({ witnesses: (w, b) => [w.witness('B', b), w.witness('W1', b)] });
    expect(result.beaconVerdict.valid).toBe(true);
    expect(result.witnessVerdicts.map((v) => v.address)).toEqual([addressOf('W1')]);
    expect(result.omittedWitnesses.map((v) => [v.address, v.reason])).toEqual([[addressOf('B'), 'self_witness']]);
    expect(result.beaconVerdict.rewardUnit).toBe(0.25);
  });

  it('is listed with the beacon\'s reason on an invalid beacon', async () => {
    const { result } = await run({ setup: (w) => w.state.deny(addressOf('B'), 'v1'), witnesses: (w, b) => [w.witness('B', b)] });
    expect(result.witnessVerdicts.map((v) => [v.address, v.reason])).toEqual([[addressOf('B'), 'denied']]);
  });
});

describe('witness lag edge cases', () => {
  it('a witness in the same millisecond as the beacon counts as after it (the 4000 ms rule applies)', async () => {
    const { result } = await run({
      witnesses: (w, b) => [w.witness('W1', b, { receivedMs: b.receivedMs }), w.witness('W2', b, { receivedMs: b.receivedMs + 3999 })],
    });
    expect(result.witnessVerdicts.map((v) => v.reason)).toEqual([null, null]);
    expect(result.witnessVerdicts[1]!.evidence).toMatchObject({ lagFrom: 'beacon', lagMs: 3999 });
  });
});

describe('bad_rssi boundary', () => {
  it('a signal equal to the free-space bound passes; 0.1 dB above fails', async () => {
    const w = baseWorld();
    const b = w.beacon('B');
    const probe = await verifyPoc(b, [w.witness('W1', b)], w.state, heliumRules);
    const expected = probe.witnessVerdicts[0]!.evidence.expectedRssiDbm!;
    const under = Math.floor(expected * 10);
    const ok = await verifyPoc(b, [w.witness('W1', b, { signal: under })], w.state, heliumRules);
    const bad = await verifyPoc(b, [w.witness('W1', b, { signal: under + 1 })], w.state, heliumRules);
    expect(ok.witnessVerdicts[0]!.reason).toBeNull();
    expect(bad.witnessVerdicts[0]!.reason).toBe('bad_rssi');
  });
});

describe('Helium\'s frequency check wraps at 2^31 Hz (kept in helium, fixed in hexlight)', () => {
  const wrapped: Case = { witnesses: (w, b) => [w.witness('W1', b, { frequency: b.decoded.report.frequency + 2 ** 31 })] };
  it('helium: a witness 2^31 Hz off passes, as `abs_diff(..) as i32` lets it', async () => {
    expect((await run(wrapped, heliumRules)).result.witnessVerdicts[0]).toMatchObject({ valid: true, evidence: { frequencyDeltaHz: 2 ** 31 } });
  });
  it('hexlight: invalid_frequency', async () => {
    expect((await run(wrapped, hexlightRules)).result.witnessVerdicts[0]).toMatchObject({ valid: false, reason: 'invalid_frequency' });
  });
});

describe('hexlight: tx_power_too_high', () => {
  const max = conductedPowerOrNull('EU868', 12)!;
  const loud: Case = { beacon: (w) => w.beacon('B', { fields: { txPower: max + 1 } }) };

  it('helium accepts a beaconer claiming more than its region allows', async () => {
    expect((await run(loud, heliumRules)).result.beaconVerdict.valid).toBe(true);
  });

  it('hexlight refuses it, with the numbers', async () => {
    const { result } = await run(loud, hexlightRules);
    expect(result.beaconVerdict).toMatchObject({ valid: false, reason: 'tx_power_too_high', evidence: { txPowerDbm: max + 1, maxTxPowerDbm: max } });
    expect(result.witnessVerdicts[0]).toMatchObject({ reason: 'tx_power_too_high', side: 'beaconer' });
    // Not a beacon-with-witness: it failed a pre-witness beacon check of its ruleset.
    expect(result.stateUpdates).toEqual([{ kind: 'last_beacon', address: addressOf('B'), atMs: T0_MS + 30_000 }]);
  });

  it('the claimed power is what loosens the FSPL bound for a witness', async () => {
    // −70 dBm at 3 km is above the bound at the honest power, within it at +20 dB.
    const strong = (tx: number): Case => ({ beacon: (w) => w.beacon('B', { fields: { txPower: tx } }), witnesses: (w, b) => [w.witness('W1', b, { signal: -700 })] });
    expect((await run(strong(max), heliumRules)).result.witnessVerdicts[0]!.reason).toBe('bad_rssi');
    expect((await run(strong(max + 20), heliumRules)).result.witnessVerdicts[0]!.reason).toBeNull();
    expect((await run(strong(max + 20), hexlightRules)).result.beaconVerdict.reason).toBe('tx_power_too_high');
  });
});

describe('hexlight: suspected_shared_radio', () => {
  const pair = (o1: Parameters<World['witness']>[2], o2: Parameters<World['witness']>[2]): Case => ({
    witnesses: (w, b) => [w.witness('W1', b, o1), w.witness('W2', b, o2)],
  });

  it('two keys with the same signal, snr, frequency and tmst: both flagged', async () => {
    const c = pair({ signal: -1012, snr: 42, tmst: 123456, receivedMs: T0_MS + 30_200 }, { signal: -1012, snr: 42, tmst: 123456, receivedMs: T0_MS + 30_900 });
    const { result } = await run(c, hexlightRules);
    expect(result.witnessVerdicts.map((v) => v.reason)).toEqual(['suspected_shared_radio', 'suspected_shared_radio']);
    expect(result.witnessVerdicts[0]!.evidence).toMatchObject({ sharedRadioWith: [addressOf('W2')], sharedRadioMatch: 'tmst' });
    expect(result.beaconVerdict.rewardUnit).toBe(0);
    // They did not pass the ruleset's witness checks: no last-witness credit either.
    expect(result.stateUpdates.filter((u) => u.kind === 'last_witness')).toEqual([]);
    expect((await run(c, heliumRules)).result.witnessVerdicts.map((v) => v.reason)).toEqual([null, null]);
  });

  it('same reading, different tmst, 5 ms apart at ingest: flagged (timing)', async () => {
    const { result } = await run(pair({ signal: -1012, snr: 42, receivedMs: T0_MS + 30_200 }, { signal: -1012, snr: 42, receivedMs: T0_MS + 30_205 }), hexlightRules);
    expect(result.witnessVerdicts.map((v) => [v.reason, v.evidence.sharedRadioMatch])).toEqual([['suspected_shared_radio', 'timing'], ['suspected_shared_radio', 'timing']]);
  });

  it.each([
    ['6 ms apart', { signal: -1012, snr: 42, receivedMs: T0_MS + 30_206 }],
    ['another signal', { signal: -1013, snr: 42, receivedMs: T0_MS + 30_200 }],
    ['another snr', { signal: -1012, snr: 45, receivedMs: T0_MS + 30_200 }],
    ['both tmst unset (0)', { signal: -1012, snr: 42, tmst: 0, receivedMs: T0_MS + 30_900 }],
  ] as const)('not flagged: %s', async (_, other) => {
    const first = { signal: -1012, snr: 42, receivedMs: T0_MS + 30_200, ...('tmst' in other ? { tmst: 0 } : {}) };
    const { result } = await run(pair(first, other), hexlightRules);
    expect(result.witnessVerdicts.map((v) => v.reason)).toEqual([null, null]);
  });

  it('an already invalid witness is evidence but keeps its own reason', async () => {
    const { result } = await run({
      setup: (w) => w.hotspot('W2', { location: cellAt(0.1) }),
      witnesses: (w, b) => [w.witness('W1', b, { signal: -1012, snr: 42, tmst: 99 }), w.witness('W2', b, { signal: -1012, snr: 42, tmst: 99 })],
    }, hexlightRules);
    expect(result.witnessVerdicts.map((v) => v.reason)).toEqual(['suspected_shared_radio', 'below_min_distance']);
  });
});

describe('state updates (spec/poc-replay.md "Semantics")', () => {
  const B = addressOf('B');
  const at = T0_MS + 30_000;

  it('a valid PoC: last beacon, beacon-with-witness, and last witness per passing witness', async () => {
    const { result } = await run({ witnesses: (w, b) => [w.witness('W1', b), w.witness('W2', b, { signal: -500 })] });
    expect(result.stateUpdates).toEqual([
      { kind: 'last_beacon', address: B, atMs: at },
      { kind: 'last_beacon_with_witness', address: B, atMs: at },
      { kind: 'last_witness', address: addressOf('W1'), atMs: at + 200 },
    ]);
  });

  it('beacon reciprocity failure keeps the beacon-with-witness and the witnesses\' last-witness', async () => {
    const { result } = await run({ setup: (w) => w.hotspot('B2', { location: cellAt(0, -3) }), beacon: (w) => w.beacon('B2') });
    expect(result.beaconVerdict.reason).toBe('gateway_no_valid_witnesses');
    expect(result.stateUpdates.map((u) => u.kind)).toEqual(['last_beacon', 'last_beacon_with_witness', 'last_witness']);
  });

  it('a witness failing reciprocity still records its last witness (HIP-106 deadlock fix)', async () => {
    const { result } = await run({ setup: (w) => w.hotspot('W3', { location: cellAt(-3) }), witnesses: (w, b) => [w.witness('W3', b)] });
    expect(result.witnessVerdicts[0]!.reason).toBe('gateway_no_valid_beacons');
    expect(result.stateUpdates).toContainEqual({ kind: 'last_witness', address: addressOf('W3'), atMs: at + 200 });
  });

  const updateCases: [string, Case, string[]][] = [
    ['gateway_not_found', { beacon: (w) => w.beacon('stranger') }, []],
    ['not_asserted', { setup: (w) => void w.hotspot('B', { location: null }) }, []],
    ['irregular_interval', { setup: (w) => w.state.apply([{ kind: 'last_beacon', address: B, atMs: at - 1000 }]) }, ['last_beacon']],
    ['entropy_expired', { beacon: (w) => w.beacon('B', { receivedMs: T0_MS + 200_000 }) }, ['last_beacon']],
    ['stale', { beacon: (w) => w.beacon('B', { entropy: { data: new Uint8Array(32), timestamp: T0_S, version: 0 } }) }, []],
  ];
  it.each(updateCases)('%s beacon updates %j', async (_, c, kinds) => {
    const { result } = await run(c);
    expect(result.stateUpdates.map((u) => u.kind)).toEqual(kinds);
  });

  it('a valid beacon without witnesses: valid, 0 units, not a beacon-with-witness', async () => {
    const { result } = await run({ witnesses: () => [] });
    expect(result.beaconVerdict).toMatchObject({ valid: true, rewardUnit: 0 });
    expect(result.shares).toEqual([]);
    expect(result.stateUpdates.map((u) => u.kind)).toEqual(['last_beacon']);
  });

  it('verifyPoc never writes the state itself', async () => {
    const w = baseWorld();
    const b = w.beacon('B');
    await verifyPoc(b, [w.witness('W1', b)], w.state, heliumRules);
    expect(w.state.lastBeaconMs(B)).toBeNull();
  });
});

describe('selection, units, hex scale and shares', () => {
  it('selects the first 14 valid arrivals; the rest are valid but unpaid', async () => {
    const names = Array.from({ length: 16 }, (_, i) => `R${i}`);
    const { result } = await run({
      setup: (w) => {
        names.forEach((n, i) => w.hotspot(n, { location: cellAt(3 * Math.cos((i * Math.PI) / 8), 3 * Math.sin((i * Math.PI) / 8)) }));
        w.reciprocal(names);
      },
      // Reverse arrival order on input: selection must sort.
      witnesses: (w, b) => names.map((n, i) => w.witness(n, b, { receivedMs: b.receivedMs + 100 + 10 * i })).reverse(),
    });
    expect(result.beaconVerdict.rewardUnit).toBe(1.8926);
    expect(result.witnessVerdicts.map((v) => v.address)).toEqual(names.map(addressOf));
    expect(result.witnessVerdicts.map((v) => v.selected)).toEqual([...Array(14).fill(true), false, false]);
    expect(result.witnessVerdicts.map((v) => v.rewardUnit)).toEqual([...Array(14).fill(0.222), 0, 0]);
    expect(result.witnessVerdicts.every((v) => v.valid)).toBe(true);
    expect(result.shares).toHaveLength(15);
  });

  it('ties on receive time go to the lower report id', async () => {
    const names = Array.from({ length: 15 }, (_, i) => `T${i}`);
    const { result } = await run({
      setup: (w) => {
        names.forEach((n, i) => w.hotspot(n, { location: cellAt(4 * Math.cos(i / 2.4), 4 * Math.sin(i / 2.4)) }));
        w.reciprocal(names);
      },
      witnesses: (w, b) => names.map((n) => w.witness(n, b, { receivedMs: b.receivedMs + 500 })),
    });
    const ids = result.witnessVerdicts.map((v) => v.id);
    expect(ids).toEqual([...ids].sort());
    expect(result.witnessVerdicts.at(-1)!.selected).toBe(false);
  });

  it('shares are hex scale × units, exact to 8 dp; witnesses are paid with the beaconer\'s scale', async () => {
    const { result } = await run({ witnesses: (w, b) => [w.witness('W1', b), w.witness('W2', b)] });
    const scale = result.beaconVerdict.hexScale!;
    expect(result.shares.map((s) => [s.type, s.hexScale, s.rewardUnit])).toEqual([
      ['beacon', scale.toFixed(4), '0.5000'], ['witness', scale.toFixed(4), '1.0000'], ['witness', scale.toFixed(4), '1.0000'],
    ]);
    expect(result.shares[0]!.shares).toBe((scale * 0.5).toFixed(8));
  });

  it('a beaconer that is not interactive yet is scaled 0.2', async () => {
    const { result } = await run({
      setup: (w) => {
        w.hotspot('B3', { location: cellAt(-5) });
        w.state.apply([{ kind: 'last_witness', address: addressOf('B3'), atMs: T0_MS - HOUR }]);
      },
      beacon: (w) => w.beacon('B3'),
    });
    expect(result.beaconVerdict).toMatchObject({ valid: true, hexScale: 0.2, evidence: { hexScaleDefaulted: true } });
  });
});

describe('Helium\'s captured beacon (reference/helium-poc.md §4)', () => {
  const facts = (data: string): BeaconFacts => ({
    beacon: {
      decoded: {
        report: {
          localEntropy: hexToBytes('e94619b0'),
          remoteEntropy: hexToBytes('b6aa3f80d9355f139d998626b8d1ff1776cda36ae11a10006a8d516546276b09'),
          data: hexToBytes(data),
          frequency: 867_900_000,
          datarate: 0,
        },
      },
    } as unknown as BeaconIn,
    entropy: { data: new Uint8Array(32), timestamp: 1677163710, version: 0 },
    meta: { address: 'x', owner: 'y', location: cellAt(0), region: 'EU868', gain: 60, elevation: 0, capability: 'full' },
    lastBeaconMs: null, lastWitnessMs: null, denied: null, witnessCount: 0,
  });
  const PAYLOAD = '1c99124160e83b92867d630caf4c9ed21cfd923bbbcb7a9231f19c944af6441108d43006983add9eba65253b877e1248f441ae';

  it('passes the payload check; one flipped byte does not', () => {
    expect(beaconPayload.run(facts(PAYLOAD)).ok).toBe(true);
    expect(beaconPayload.run(facts(`1d${PAYLOAD.slice(2)}`))).toMatchObject({ ok: false, evidence: { detail: expect.stringContaining('data') } });
  });
});

describe('rulesets', () => {
  it('are looked up by name; an unknown name is a coded error', () => {
    expect(rulesetByName('helium')).toBe(heliumRules);
    expect(rulesetByName('hexlight')).toBe(hexlightRules);
    expect(() => rulesetByName('strict')).toThrow(expect.objectContaining({ code: 'POC_UNKNOWN_RULESET' }));
    expect(() => rulesetByName('toString')).toThrow(expect.objectContaining({ code: 'POC_UNKNOWN_RULESET' }));
  });

  it('hexlight is helium plus named checks, in order', () => {
    const names = (r: Ruleset) => ({ beacon: r.beacon.map((c) => c.name), witness: r.witness.map((c) => c.name), set: r.witnessSet.map((c) => c.name) });
    expect(names(heliumRules)).toEqual({
      beacon: ['gateway_known', 'asserted', 'denylist', 'entropy_window', 'capability', 'schedule', 'payload'],
      witness: ['duplicate', 'gateway_known', 'witness_asserted', 'beaconer_asserted', 'denylist', 'denied_edge', 'self_witness', 'entropy_window', 'lag', 'payload', 'capability', 'frequency', 'region', 'min_distance', 'max_distance', 'rssi'],
      set: [],
    });
    const h = names(hexlightRules);
    expect(h.beacon).toEqual([...names(heliumRules).beacon, 'tx_power']);
    expect(h.witness).toEqual(names(heliumRules).witness.map((n) => (n === 'frequency' ? 'frequency_exact' : n)));
    expect(h.set).toEqual(['shared_radio']);
  });
});
