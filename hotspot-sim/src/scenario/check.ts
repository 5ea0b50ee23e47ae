import { defineError } from '@hexlight/kit';
import { DIST_KINDS, distBounds, type Dist } from './dist.ts';

// Field-by-field checks for scenario documents. Every failure is SIM_SCENARIO_INVALID naming the
// field path (`behaviours.spoofer.share`, `area.geojson.coordinates[0]`) and what is wrong with it,
// so a hand-written scenario can be fixed from the message alone.

/** details: `{ source, field, problem }`; the message is `<source>: <field>: <problem>`. */
export const ScenarioInvalid = defineError('SIM_SCENARIO_INVALID', 'the scenario is not a valid hexlight-sim-scenario v1 document', { httpStatus: 400 });

export type Json = Record<string, unknown>;

export interface NumberRule {
  min?: number;
  max?: number;
  /** Strictly above `min`. */
  above?: number;
  integer?: boolean;
}

export function fieldPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent ? `${parent}.${key}` : key;
}

export class FieldChecker {
  constructor(readonly source: string) {}

  fail(field: string, problem: string): never {
    throw ScenarioInvalid(`${this.source}: ${field || '(document)'}: ${problem}`, { source: this.source, field, problem });
  }

  /** A JSON object whose keys are all in `allowed` and which has every key of `required`. */
  object(v: unknown, field: string, allowed: readonly string[], required: readonly string[] = []): Json {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(field, 'must be an object');
    const o = v as Json;
    for (const key of Object.keys(o)) {
      if (!allowed.includes(key)) this.fail(fieldPath(field, key), `unknown field (allowed here: ${allowed.join(', ')})`);
    }
    for (const key of required) {
      if (!Object.hasOwn(o, key)) this.fail(fieldPath(field, key), 'is required');
    }
    return o;
  }

  array(v: unknown, field: string, minLength = 0): unknown[] {
    if (!Array.isArray(v)) this.fail(field, 'must be an array');
    const a = v as unknown[];
    if (a.length < minLength) this.fail(field, `must have at least ${minLength} element${minLength === 1 ? '' : 's'}`);
    return a;
  }

  string(v: unknown, field: string, pattern?: { re: RegExp; what: string }): string {
    if (typeof v !== 'string' || v.length === 0) this.fail(field, 'must be a non-empty string');
    const s = v as string;
    if (pattern && !pattern.re.test(s)) this.fail(field, `must be ${pattern.what}`);
    return s;
  }

  number(v: unknown, field: string, rule: NumberRule = {}): number {
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(field, 'must be a number');
    const n = v as number;
    if (rule.integer && !Number.isSafeInteger(n)) this.fail(field, 'must be an integer');
    this.range(n, field, rule);
    return n;
  }

  share(v: unknown, field: string): number {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1) this.fail(field, 'must be between 0 and 1');
    return v as number;
  }

  /** A distribution (dist.ts) whose every possible value obeys `rule`. */
  dist(v: unknown, field: string, rule: NumberRule = {}): Dist {
    if (typeof v === 'number') return this.number(v, field, rule);
    const o = this.object(v, field, ['dist', 'min', 'max', 'mean', 'sd', 'median', 'sigma', 'values'], ['dist']);
    const kind = o.dist;
    if (!(DIST_KINDS as readonly string[]).includes(kind as string)) {
      this.fail(fieldPath(field, 'dist'), `must be one of ${DIST_KINDS.join(', ')} (or give a plain number for a fixed value)`);
    }
    const allowedFor: Record<string, readonly string[]> = {
      uniform: ['dist', 'min', 'max'],
      normal: ['dist', 'mean', 'sd', 'min', 'max'],
      lognormal: ['dist', 'median', 'sigma', 'min', 'max'],
      exponential: ['dist', 'mean', 'min', 'max'],
      choice: ['dist', 'values'],
    };
    this.object(o, field, allowedFor[kind as string]!);
    const num = (key: string, r: NumberRule = {}): number => this.number(o[key], fieldPath(field, key), r);
    const optional = (key: string): number | undefined => (Object.hasOwn(o, key) ? num(key) : undefined);
    let d: Dist;
    switch (kind) {
      case 'uniform': {
        if (!Object.hasOwn(o, 'min')) this.fail(fieldPath(field, 'min'), 'is required');
        if (!Object.hasOwn(o, 'max')) this.fail(fieldPath(field, 'max'), 'is required');
        const min = num('min');
        const max = num('max');
        if (max < min) this.fail(fieldPath(field, 'max'), `must be at least min (${min})`);
        d = { dist: 'uniform', min, max };
        break;
      }
      case 'normal':
        d = { dist: 'normal', mean: num('mean'), sd: num('sd', { min: 0 }), ...minMax(optional('min'), optional('max')) };
        break;
      case 'lognormal':
        d = { dist: 'lognormal', median: num('median', { above: 0 }), sigma: num('sigma', { min: 0 }), ...minMax(optional('min'), optional('max')) };
        break;
      case 'exponential':
        d = { dist: 'exponential', mean: num('mean', { above: 0 }), ...minMax(optional('min'), optional('max')) };
        break;
      default: {
        const values = this.array(o.values, fieldPath(field, 'values'), 1).map((item, i) => {
          const at = fieldPath(fieldPath(field, 'values'), i);
          const e = this.object(item, at, ['value', 'share'], ['value', 'share']);
          return { value: this.number(e.value, fieldPath(at, 'value')), share: this.share(e.share, fieldPath(at, 'share')) };
        });
        const total = values.reduce((s, x) => s + x.share, 0);
        if (Math.abs(total - 1) > 1e-6) this.fail(fieldPath(field, 'values'), `shares must sum to 1 (they sum to ${round(total)})`);
        d = { dist: 'choice', values };
      }
    }
    const [lo, hi] = distBounds(d);
    if (typeof d !== 'number' && d.dist !== 'choice' && d.dist !== 'uniform' && d.min !== undefined && d.max !== undefined && d.max < d.min) {
      this.fail(fieldPath(field, 'max'), `must be at least min (${d.min})`);
    }
    // Every value the distribution can give must be allowed (an open tail needs a clamp).
    const what = describeRule(rule);
    if (rule.min !== undefined && lo < rule.min) this.fail(field, `can give ${lo}, but values ${what}${lo === -Infinity ? ' (set "min")' : ''}`);
    if (rule.above !== undefined && lo <= rule.above) this.fail(field, `can give ${lo}, but values ${what}`);
    if (rule.max !== undefined && hi > rule.max) this.fail(field, `can give ${hi}, but values ${what}${hi === Infinity ? ' (set "max")' : ''}`);
    if (rule.integer && typeof d !== 'number' && d.dist === 'choice' && d.values.some((x) => !Number.isSafeInteger(x.value))) {
      this.fail(fieldPath(field, 'values'), 'values must be integers');
    }
    return d;
  }

  private range(n: number, field: string, rule: NumberRule): void {
    const bad = (rule.min !== undefined && n < rule.min) || (rule.max !== undefined && n > rule.max) || (rule.above !== undefined && n <= rule.above);
    if (bad) this.fail(field, `must be ${describeRule(rule)}, got ${n}`);
  }
}

function minMax(min: number | undefined, max: number | undefined): { min?: number; max?: number } {
  return { ...(min === undefined ? {} : { min }), ...(max === undefined ? {} : { max }) };
}

function describeRule(rule: NumberRule): string {
  const parts: string[] = [];
  if (rule.above !== undefined) parts.push(`above ${rule.above}`);
  if (rule.min !== undefined && rule.max !== undefined) return `between ${rule.min} and ${rule.max}`;
  if (rule.min !== undefined) parts.push(`at least ${rule.min}`);
  if (rule.max !== undefined) parts.push(`at most ${rule.max}`);
  return parts.join(' and ') || 'finite';
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
