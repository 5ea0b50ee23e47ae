import { hashSeed, createRng } from './rng.ts';

// The radio channel between two hotspots (reference/sim-perf.md §1). Inputs and outputs use the
// wire units (spec/wire.md §6): tx power dBm, gains dBi × 10, witness `signal` dBm × 10 and `snr`
// dB × 10, so the fleet can copy the numbers straight into reports.
//
//   PL(d)  = max( FSPL(d, f),  PL(d0) + 10·γ·log10(d / d0) + Xσ )        Xσ ~ N(0, σ²)
//   RSSI   = Ptx + Gtx + Grx − PL(d)
//   SNR    = RSSI − (−174 + 10·log10(BW) + NF)
//   heard  ⇔ RSSI ≥ S_gw(SF)  and  SNR ≥ SNRmin(SF)

export interface PathLossProfile {
  readonly name: string;
  /** Reference distance d0, m. */
  readonly d0M: number;
  /** Path loss at d0, dB. */
  readonly pl0Db: number;
  /** Path-loss exponent γ. */
  readonly gamma: number;
  /** Log-normal shadowing standard deviation σ, dB. */
  readonly sigmaDb: number;
}

/**
 * Urban macro cell, the default: ns-3 lorawan (signetlabdei/lorawan complete-network-example.cc:
 * LogDistancePropagationLossModel γ 3.76, 7.7 dB at 1 m) with the 4 dB shadowing of its correlated
 * shadowing model. sim-perf.md §1.1 recommends it as closest to what Helium hotspots witness.
 */
export const URBAN: PathLossProfile = Object.freeze({ name: 'urban', d0M: 1, pl0Db: 7.7, gamma: 3.76, sigmaDb: 4 });

/** LoRaSim / FLoRa (Bor et al., MSWiM'16; florasim/flora LoRaLogNormalShadowing): dense urban, short range. */
export const LORASIM: PathLossProfile = Object.freeze({ name: 'lorasim', d0M: 40, pl0Db: 127.41, gamma: 2.08, sigmaDb: 3.57 });

/**
 * Suburban / open country with elevated antennas: free space to 1 m (31.2 dB at 868 MHz), then the
 * textbook suburban exponent 2.7 (sim-perf.md §1.1 lists 2.4–2.7), σ 6 dB for terrain. Our choice
 * for sparse areas: about 40 km of range at EU868 power, inside HIP-58's 30–50 km practical range.
 */
export const SUBURBAN: PathLossProfile = Object.freeze({ name: 'suburban', d0M: 1, pl0Db: 31.2, gamma: 2.7, sigmaDb: 6 });

/** Free space (γ 2, no shadowing): every link at the verifier's bound; for gaming tests (sim-perf.md §1.1). */
export const FREE_SPACE: PathLossProfile = Object.freeze({ name: 'fspl', d0M: 1, pl0Db: 31.2, gamma: 2, sigmaDb: 0 });

export const PATH_LOSS_PROFILES: Readonly<Record<string, PathLossProfile>> = Object.freeze({ urban: URBAN, lorasim: LORASIM, suburban: SUBURBAN, fspl: FREE_SPACE });

/** Receiver noise figure, dB (signetlabdei/lorawan lora-phy.cc RxPowerToSNR). */
export const NOISE_FIGURE_DB = 6;
export const BEACON_BANDWIDTH_HZ = 125_000;
const SPEED_OF_LIGHT = 2.998e8;

/** SX1301/SX1302 gateway sensitivity at BW 125 kHz, dBm (signetlabdei/lorawan gateway-lora-phy.cc). */
export const GATEWAY_SENSITIVITY_DBM: Readonly<Record<number, number>> = Object.freeze({
  7: -126.5, 8: -129, 9: -131.5, 10: -134, 11: -136.5, 12: -139.5,
});

/** Demodulation SNR floor, dB (signetlabdei/lorawan lorawan-mac-helper.cc; Semtech AN1200.22). */
export const SNR_MIN_DB: Readonly<Record<number, number>> = Object.freeze({
  7: -7.5, 8: -10, 9: -12.5, 10: -15, 11: -17.5, 12: -20,
});

export interface RadioOptions {
  profile?: PathLossProfile;
  /** Carrier frequency for the free-space floor, Hz; default 868 MHz (915 MHz is 0.5 dB more). */
  frequencyHz?: number;
}

/** Free-space path loss, dB (the bound Helium's verifier uses: helium/oracles poc.rs calc_fpsl). */
export function fsplDb(distanceM: number, frequencyHz: number): number {
  return 20 * Math.log10((4 * Math.PI * Math.max(distanceM, 1) * frequencyHz) / SPEED_OF_LIGHT);
}

/**
 * Log-distance path loss with the given shadowing draw, dB. Never below free space: no real link
 * loses less than vacuum, and it keeps honest readings under the verifier's FSPL bound.
 */
export function pathLossDb(distanceM: number, shadowDb: number, opts: RadioOptions = {}): number {
  const p = opts.profile ?? URBAN;
  const d = Math.max(distanceM, p.d0M);
  const logDistance = p.pl0Db + 10 * p.gamma * Math.log10(d / p.d0M) + shadowDb;
  return Math.max(fsplDb(distanceM, opts.frequencyHz ?? 868e6), logDistance);
}

/**
 * Received power in dBm × 10 (witness `signal`). Rounded down, so quantisation never reports
 * more power than the physics gave.
 */
export function rssiAt(txPowerDbm: number, txGainDbi10: number, rxGainDbi10: number, distanceM: number, shadowDb: number, opts: RadioOptions = {}): number {
  const dbm = txPowerDbm + txGainDbi10 / 10 + rxGainDbi10 / 10 - pathLossDb(distanceM, shadowDb, opts);
  return Math.floor(dbm * 10 + 1e-9);
}

/** Thermal noise floor, dBm: −174 + 10·log10(BW) + NF (−117.0 dBm at 125 kHz, NF 6). */
export function noiseFloorDbm(bandwidthHz: number = BEACON_BANDWIDTH_HZ, noiseFigureDb: number = NOISE_FIGURE_DB): number {
  return -174 + 10 * Math.log10(bandwidthHz) + noiseFigureDb;
}

/** SNR in dB × 10 for a received power in dBm × 10 (thermal noise only, no interference). */
export function snrFor(rssi: number, bandwidthHz: number = BEACON_BANDWIDTH_HZ): number {
  return Math.round(rssi - noiseFloorDbm(bandwidthHz) * 10);
}

/** Whether a gateway demodulates a packet at spreading factor `sf` (7–12); rssi dBm × 10, snr dB × 10. */
export function canHear(rssi: number, snr: number, sf: number): boolean {
  const sensitivity = GATEWAY_SENSITIVITY_DBM[sf];
  const snrMin = SNR_MIN_DB[sf];
  if (sensitivity === undefined || snrMin === undefined) throw new RangeError(`spreading factor must be 7–12, got ${sf}`);
  return rssi >= sensitivity * 10 && snr >= snrMin * 10;
}

/** 'SF9BW125' → { sf: 9, bandwidthHz: 125000 }; null for anything else. */
export function parseDataRate(name: string): { sf: number; bandwidthHz: number } | null {
  const m = /^SF(\d+)BW(\d+)$/.exec(name);
  if (!m) return null;
  return { sf: Number(m[1]), bandwidthHz: Number(m[2]) * 1000 };
}

/**
 * The shadowing of the link between two hotspots, dB: one N(0, σ²) draw fixed per unordered pair
 * and seed. Shadowing is the slow, terrain-and-buildings part of the loss, so it stays the same
 * for every beacon on that link and is the same in both directions (reciprocity).
 */
export function linkShadowDb(seed: number, a: string, b: string, sigmaDb: number = URBAN.sigmaDb): number {
  const [lo, hi] = a < b ? [a, b] : [b, a];
  return createRng(hashSeed(seed, 'shadow', lo, hi)).gaussian() * sigmaDb;
}

/**
 * The strongest signal the verifier accepts, dBm: tx + trunc(beacon gain) − FSPL + trunc(witness
 * gain), the `bad_rssi` bound of services/poc (helium/oracles poc.rs), from asserted gains and the
 * distance between asserted cells.
 */
export function freeSpaceBoundDbm(txPowerDbm: number, beaconerGainDbi10: number, witnessGainDbi10: number, distanceM: number, frequencyHz: number): number {
  return txPowerDbm + Math.trunc(beaconerGainDbi10 / 10) - fsplDb(distanceM, frequencyHz) + Math.trunc(witnessGainDbi10 / 10);
}

// ---------------------------------------------------------------------------------------------
// The scenario link model: the profile's log-distance loss with its shadowing split into a
// spatially correlated part (shadowing.ts, one value per site), a static per-link part and
// per-reception fading, plus building loss at indoor ends:
//
//   L = max( FSPL(d, f),  PL(d0) + 10·γ·log10(d/d0) + σf·(F(a) + F(b))/√2 + σl·Xab + σr·Y ) + Lin(a) + Lin(b)
//
// F is the unit field at each site, Xab ~ N(0, 1) fixed per pair (reciprocal), Y ~ N(0, 1) per
// reception. Far apart, the shadowing variance is σf² + σl² + σr²; close sites share their
// surroundings, so (F(a) + F(b))/√2 has variance 1 + ρ(d).

export interface LinkModel {
  profile: PathLossProfile;
  /** σ of the spatially correlated part, dB. */
  fieldSigmaDb: number;
  /** σ of the static per-link part, dB. */
  linkSigmaDb: number;
  /** σ of per-reception fading, dB. */
  fadingSigmaDb: number;
  correlationDistanceM: number;
  /** σ of the receiver's SNR estimate, dB (`measuredSnr`). */
  snrNoiseDb: number;
}

/** One end of a link as the model needs it. */
export interface RadioSite {
  /** dBi × 10, the antenna really mounted. */
  gain: number;
  /** Building loss at this end, dB (0 outdoors). */
  indoorLossDb: number;
  /** The unit shadowing field at this site. */
  field: number;
}

/** Total loss of one reception, dB; `linkDraw` and `fadingDraw` are N(0, 1). */
export function siteLossDb(model: LinkModel, a: RadioSite, b: RadioSite, distanceM: number, frequencyHz: number, linkDraw: number, fadingDraw: number): number {
  const shadow = (model.fieldSigmaDb * (a.field + b.field)) / Math.SQRT2 + model.linkSigmaDb * linkDraw + model.fadingSigmaDb * fadingDraw;
  return pathLossDb(distanceM, shadow, { profile: model.profile, frequencyHz }) + a.indoorLossDb + b.indoorLossDb;
}

/**
 * The SNR a concentrator reports, dB × 10: the thermal SNR plus measurement noise (SNR is estimated
 * over the packet, apart from RSSI), in the SX130x's 0.25-dB steps, truncated to tenths as
 * gateway-rs sends it. Without the noise, equal RSSI would always mean equal SNR, which real
 * receivers do not show (and which would make honest neighbours look like one radio).
 */
export function measuredSnr(snrDb10: number, noiseDraw: number, noiseSigmaDb: number): number {
  const db = snrDb10 / 10 + noiseSigmaDb * noiseDraw;
  return Math.trunc((Math.round(db * 4) / 4) * 10) + 0;
}

/** Received power in dBm × 10 for a loss in dB (rounded down, as `rssiAt`). */
export function rssiForLoss(txPowerDbm: number, txGainDbi10: number, rxGainDbi10: number, lossDb: number): number {
  return Math.floor((txPowerDbm + txGainDbi10 / 10 + rxGainDbi10 / 10 - lossDb) * 10 + 1e-9);
}

/** The weakest signal a gateway demodulates at `sf`, dBm: sensitivity or the SNR floor, whichever binds. */
export function receiveThresholdDbm(sf: number, bandwidthHz: number = BEACON_BANDWIDTH_HZ): number {
  const sensitivity = GATEWAY_SENSITIVITY_DBM[sf];
  const snrMin = SNR_MIN_DB[sf];
  if (sensitivity === undefined || snrMin === undefined) throw new RangeError(`spreading factor must be 7–12, got ${sf}`);
  return Math.max(sensitivity, noiseFloorDbm(bandwidthHz) + snrMin);
}

export interface HearingInput {
  model: LinkModel;
  txPowerDbm: number;
  txGainDbi10: number;
  rxGainDbi10: number;
  sf: number;
  bandwidthHz?: number;
  /** Building loss of both ends together, dB. */
  indoorLossDb?: number;
}

/**
 * The model's probability that a receiver `distanceM` away hears the beacon: the Gaussian tail
 * P(shadowing ≤ budget − mean loss), with the distance-dependent variance above. Exact where the
 * mean log-distance loss is well above free space (beyond a few tens of metres).
 */
export function hearingProbability(distanceM: number, h: HearingInput): number {
  const p = h.model.profile;
  const meanLoss = p.pl0Db + 10 * p.gamma * Math.log10(Math.max(distanceM, p.d0M) / p.d0M) + (h.indoorLossDb ?? 0);
  const budget = h.txPowerDbm + h.txGainDbi10 / 10 + h.rxGainDbi10 / 10 - receiveThresholdDbm(h.sf, h.bandwidthHz);
  const rho = Math.exp(-distanceM / h.model.correlationDistanceM);
  const sigma = Math.sqrt(h.model.fieldSigmaDb ** 2 * (1 + rho) + h.model.linkSigmaDb ** 2 + h.model.fadingSigmaDb ** 2);
  if (sigma === 0) return budget >= meanLoss ? 1 : 0;
  return normalCdf((budget - meanLoss) / sigma);
}

/** Φ(x), the standard normal CDF (Abramowitz & Stegun 7.1.26, |error| < 1.5e-7). */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-z * z);
  return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}
