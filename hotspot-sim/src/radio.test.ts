import { describe, expect, it } from 'vitest';
import { maxConductedPower } from '@hexlight/protocol';
import {
  canHear, freeSpaceBoundDbm, fsplDb, GATEWAY_SENSITIVITY_DBM, hearingProbability, linkShadowDb, LORASIM, measuredSnr, noiseFloorDbm, pathLossDb, receiveThresholdDbm,
  rssiAt, rssiForLoss, siteLossDb, SNR_MIN_DB, snrFor, URBAN, type LinkModel, type RadioSite,
} from './radio.ts';
import { createRng } from './rng.ts';
import { createShadowingField } from './shadowing.ts';

describe('radio model (sim-perf.md §1)', () => {
  it('loses 10·γ dB per decade of distance, in dBm × 10', () => {
    const near = rssiAt(13, 23, 23, 500, 0);
    const far = rssiAt(13, 23, 23, 5_000, 0);
    expect(far - near).toBeGreaterThanOrEqual(-10 * 10 * URBAN.gamma - 1);
    expect(far - near).toBeLessThanOrEqual(-10 * 10 * URBAN.gamma + 1);
    // 13 dBm + 2.3 + 2.3 − (7.7 + 37.6·log10(500)) = −91.58 dBm → −916 (rounded down)
    expect(near).toBe(-916);
  });

  it('falls monotonically with distance and rises with shadowing that helps', () => {
    let previous = Infinity;
    for (const d of [30, 100, 300, 1_000, 3_000, 10_000, 30_000]) {
      const r = rssiAt(27, 30, 30, d, 0);
      expect(r).toBeLessThan(previous);
      previous = r;
    }
    expect(rssiAt(27, 30, 30, 2_000, -4)).toBeGreaterThan(rssiAt(27, 30, 30, 2_000, 4));
  });

  it('uses the given profile', () => {
    // LoRaSim: 127.41 dB at its 40 m reference distance.
    expect(pathLossDb(40, 0, { profile: LORASIM })).toBeCloseTo(127.41, 6);
    expect(pathLossDb(400, 0, { profile: LORASIM })).toBeCloseTo(127.41 + 20.8, 6);
  });

  it('never reports more power than free space allows', () => {
    // A strongly favourable shadowing draw at short range would beat free space; it is floored.
    const d = 50;
    expect(pathLossDb(d, -40, { frequencyHz: 915e6 })).toBeCloseTo(fsplDb(d, 915e6), 9);
    expect(fsplDb(1_000, 915e6)).toBeCloseTo(91.7, 1); // sim-perf.md §1.2
  });

  it('derives SNR from the thermal noise floor at 125 kHz (−117.0 dBm)', () => {
    expect(noiseFloorDbm()).toBeCloseTo(-117.03, 2);
    expect(snrFor(-1170)).toBe(0);
    expect(snrFor(-1000)).toBe(170);
    expect(snrFor(-1300)).toBe(-130);
    for (const rssi of [-1400, -1250, -1100, -800]) expect(snrFor(rssi) - snrFor(rssi - 50)).toBe(50);
  });

  it('hears a beacon near and not far, per spreading factor', () => {
    // US915 beacon: SF9, 36 dBm EIRP region, 2.3 dBi antennas on both ends.
    const tx = maxConductedPower('US915', 23);
    const hear = (d: number) => {
      const rssi = rssiAt(tx, 23, 23, d, 0);
      return canHear(rssi, snrFor(rssi), 9);
    };
    expect(hear(500)).toBe(true);
    expect(hear(5_000)).toBe(true);
    expect(hear(60_000)).toBe(false);
    // EU868 beacon: SF12, 16.1 dBm EIRP.
    const txEu = maxConductedPower('EU868', 23);
    const hearEu = (d: number) => {
      const rssi = rssiAt(txEu, 23, 23, d, 0);
      return canHear(rssi, snrFor(rssi), 12);
    };
    expect(hearEu(1_000)).toBe(true);
    expect(hearEu(20_000)).toBe(false);
  });

  it('needs both the sensitivity and the SNR floor', () => {
    for (const sf of [7, 8, 9, 10, 11, 12]) {
      const s = GATEWAY_SENSITIVITY_DBM[sf]! * 10;
      const q = SNR_MIN_DB[sf]! * 10;
      expect(canHear(s, q, sf)).toBe(true);
      expect(canHear(s - 1, q, sf)).toBe(false);
      expect(canHear(s, q - 1, sf)).toBe(false);
    }
    expect(() => canHear(-1000, 0, 6)).toThrow(RangeError);
  });

  it('draws one shadowing value per link: deterministic, symmetric, N(0, σ²)', () => {
    expect(linkShadowDb(7, 'a', 'b')).toBe(linkShadowDb(7, 'b', 'a'));
    expect(linkShadowDb(7, 'a', 'b')).toBe(linkShadowDb(7, 'a', 'b'));
    expect(linkShadowDb(8, 'a', 'b')).not.toBe(linkShadowDb(7, 'a', 'b'));
    const draws = Array.from({ length: 4_000 }, (_, i) => linkShadowDb(1, `h${i}`, 'x'));
    const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
    const sd = Math.sqrt(draws.reduce((a, b) => a + (b - mean) ** 2, 0) / draws.length);
    expect(Math.abs(mean)).toBeLessThan(0.25);
    expect(sd).toBeGreaterThan(URBAN.sigmaDb * 0.93);
    expect(sd).toBeLessThan(URBAN.sigmaDb * 1.07);
  });
});

describe('scenario link model: hearing follows the path-loss model\'s Gaussian tail', () => {
  const model: LinkModel = { profile: URBAN, fieldSigmaDb: 3.46, linkSigmaDb: 2, fadingSigmaDb: 1.5, correlationDistanceM: 110, snrNoiseDb: 1 };
  // EU868 beacon: SF12, 13 dBm conducted from a 2.3 dBi antenna, heard on a 2.3 dBi antenna.
  const hearing = { model, txPowerDbm: 13, txGainDbi10: 23, rxGainDbi10: 23, sf: 12 };

  it('the empirical share of receivers that hear a beacon matches the analytic probability per distance bin', () => {
    const field = createShadowingField(11, model.correlationDistanceM);
    const rng = createRng('hearing');
    const bins = new Map<number, { heard: number; n: number; expected: number }>();
    const binKm = 1;
    for (let i = 0; i < 40_000; i++) {
      const d = rng.range(3_000, 13_000);
      // Pairs scattered over a wide area, so the field values of different pairs are independent.
      const x = rng.range(-200_000, 200_000);
      const y = rng.range(-200_000, 200_000);
      const theta = rng.range(0, 2 * Math.PI);
      const a: RadioSite = { gain: 23, indoorLossDb: 0, field: field.at(x, y) };
      const b: RadioSite = { gain: 23, indoorLossDb: 0, field: field.at(x + d * Math.cos(theta), y + d * Math.sin(theta)) };
      const loss = siteLossDb(model, a, b, d, 868e6, rng.gaussian(), rng.gaussian());
      const rssi = rssiForLoss(13, 23, 23, loss);
      const bin = Math.floor(d / 1000 / binKm);
      const e = bins.get(bin) ?? { heard: 0, n: 0, expected: 0 };
      e.n++;
      e.expected += hearingProbability(d, hearing);
      if (canHear(rssi, snrFor(rssi), 12)) e.heard++;
      bins.set(bin, e);
    }
    const rows = [...bins.entries()].sort(([a], [b]) => a - b).map(([bin, e]) => ({ km: bin, empirical: e.heard / e.n, model: e.expected / e.n }));
    for (const r of rows) expect(Math.abs(r.empirical - r.model)).toBeLessThan(0.03);
    // And it falls with distance, through the whole range from near-certain to rare.
    expect(rows[0]!.empirical).toBeGreaterThan(0.95);
    expect(rows[rows.length - 1]!.empirical).toBeLessThan(0.2);
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.model).toBeLessThan(rows[i - 1]!.model);
  });

  it('close sites share their shadowing: the variance grows towards 2σf² + σl² + σr²', () => {
    const field = createShadowingField(12, 110);
    const rng = createRng('close');
    const spread = (d: number) => {
      const xs = Array.from({ length: 6_000 }, () => {
        const x = rng.range(-100_000, 100_000);
        const y = rng.range(-100_000, 100_000);
        return (model.fieldSigmaDb * (field.at(x, y) + field.at(x + d, y))) / Math.SQRT2;
      });
      const m = xs.reduce((s, v) => s + v, 0) / xs.length;
      return xs.reduce((s, v) => s + (v - m) ** 2, 0) / xs.length;
    };
    expect(spread(10) / model.fieldSigmaDb ** 2).toBeGreaterThan(1.7);
    expect(spread(2_000) / model.fieldSigmaDb ** 2).toBeLessThan(1.15);
  });

  it('reports SNR with measurement noise, in the concentrator\'s 0.25-dB steps', () => {
    expect(measuredSnr(-123, 0, 1)).toBe(-122); // −12.3 dB → −12.25 → −122 (tenths, truncated)
    expect(measuredSnr(75, 0, 1)).toBe(75);
    const rng = createRng('snr');
    const xs = Array.from({ length: 4_000 }, () => measuredSnr(-50, rng.gaussian(), 1));
    // Quarter-dB steps in tenths, truncated: …, −7, −5, −2, 0, 2, 5, 7, 10, …
    for (const x of xs) expect([0, 2, 5, 7]).toContain(Math.abs(x) % 10);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(-55);
    expect(mean).toBeLessThan(-45);
    expect(new Set(xs).size).toBeGreaterThan(10);
  });

  it('indoor ends lose their building loss on every link, and nothing beats free space', () => {
    const out: RadioSite = { gain: 23, indoorLossDb: 0, field: 0 };
    const inside: RadioSite = { gain: 23, indoorLossDb: 15, field: 0 };
    expect(siteLossDb(model, out, inside, 2_000, 868e6, 0, 0) - siteLossDb(model, out, out, 2_000, 868e6, 0, 0)).toBeCloseTo(15, 9);
    expect(siteLossDb(model, out, out, 50, 868e6, -20, -20)).toBeCloseTo(fsplDb(50, 868e6), 9);
    expect(receiveThresholdDbm(12)).toBeCloseTo(-137.03, 2); // the SNR floor binds at SF12
    expect(freeSpaceBoundDbm(13, 23, 58, 1_000, 868e6)).toBeCloseTo(13 + 2 + 5 - fsplDb(1_000, 868e6), 9);
  });
});
