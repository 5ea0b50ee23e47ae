import { describe, expect, it } from 'vitest';
import { maxConductedPower } from '@hexlight/protocol';
import {
  canHear, fsplDb, GATEWAY_SENSITIVITY_DBM, linkShadowDb, LORASIM, noiseFloorDbm, pathLossDb, rssiAt, SNR_MIN_DB, snrFor, URBAN,
} from './radio.ts';

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
