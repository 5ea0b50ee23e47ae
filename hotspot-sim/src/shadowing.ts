import { createRng } from './rng.ts';

// Spatially correlated shadowing (sim-perf.md §1.1: ns-3 lorawan's correlated shadowing map,
// correlation distance 110 m). Shadowing is what buildings and terrain around a site do to every
// link from it, so two sites 20 m apart see nearly the same value and sites a kilometre apart are
// independent. The field is a seeded zero-mean, unit-variance Gaussian random field with
// Gudmundson's exponential correlation ρ(d) = exp(−d / dc), built from random Fourier features
// (Rahimi & Recht): F(x) = √(2/M) Σ cos(kᵢ·x + φᵢ). For exp(−|x|/dc) in two dimensions the
// spectral density is ∝ (1 + dc²|k|²)^(−3/2), a bivariate Student-t with one degree of freedom,
// so kᵢ = gᵢ / (dc·|zᵢ|) with gᵢ ~ N(0, I₂), zᵢ ~ N(0, 1). Evaluating it is M cosines and needs no
// grid, so it covers a city or a province alike.

export const DEFAULT_CORRELATION_DISTANCE_M = 110;
/** Features: the correlation is exp(−d/dc) within about 1/√(2M) ≈ 0.03. */
export const FIELD_FEATURES = 512;

export interface ShadowingField {
  readonly correlationDistanceM: number;
  /** The field at a point `xM` east and `yM` north of the area's origin: ~N(0, 1). */
  at(xM: number, yM: number): number;
}

export function createShadowingField(seed: number | string, correlationDistanceM: number = DEFAULT_CORRELATION_DISTANCE_M, features: number = FIELD_FEATURES): ShadowingField {
  if (!(correlationDistanceM > 0)) throw new RangeError(`correlation distance must be positive, got ${correlationDistanceM}`);
  const rng = createRng(typeof seed === 'number' ? `shadowing-field:${seed}` : seed);
  const kx = new Float64Array(features);
  const ky = new Float64Array(features);
  const phase = new Float64Array(features);
  for (let i = 0; i < features; i++) {
    // |z| ≥ 1e-9 keeps a vanishing draw from giving an infinite wavenumber.
    const scale = 1 / (correlationDistanceM * Math.max(Math.abs(rng.gaussian()), 1e-9));
    kx[i] = rng.gaussian() * scale;
    ky[i] = rng.gaussian() * scale;
    phase[i] = rng.range(0, 2 * Math.PI);
  }
  const norm = Math.sqrt(2 / features);
  return {
    correlationDistanceM,
    at(xM, yM) {
      let sum = 0;
      for (let i = 0; i < features; i++) sum += Math.cos(kx[i]! * xM + ky[i]! * yM + phase[i]!);
      return norm * sum;
    },
  };
}

/** The correlation the field is built to have between two points `distanceM` apart. */
export function fieldCorrelation(distanceM: number, correlationDistanceM: number = DEFAULT_CORRELATION_DISTANCE_M): number {
  return Math.exp(-Math.abs(distanceM) / correlationDistanceM);
}
