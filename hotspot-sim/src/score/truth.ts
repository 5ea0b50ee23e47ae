import { readFile } from 'node:fs/promises';
import * as h3 from 'h3-js';
import { defineError } from '@hexlight/kit';
import { isValidAddress, isValidSolanaAddress } from '@hexlight/protocol';

// The ground-truth file a simulator run writes: who cheats and how. Fixed format
// (`hexlight-sim-truth`, version 1); `readTruth` refuses anything else and names the field, so a
// score is never computed over a half-understood file. Fields it does not name are ignored, so
// newer writers stay readable.

/** The truth file is unreadable or not the documented format (details: path, field). */
export const SimTruthInvalid = defineError('SIM_TRUTH_INVALID', 'the ground-truth file is not a hexlight-sim-truth v1 document', { httpStatus: 400 });

export const TRUTH_FORMAT = 'hexlight-sim-truth';
export const TRUTH_VERSION = 1;

/** Every behaviour a simulated hotspot can have; the non-cheaters first. */
export const BEHAVIOURS = [
  'honest', 'offline', 'flaky',
  'spoofer', 'ring', 'rssi_forger', 'late_replayer', 'shared_radio', 'beacon_spammer', 'dc_farmer',
] as const;
export type Behaviour = (typeof BEHAVIOURS)[number];

export interface TruthPlace {
  lat: number;
  lng: number;
  /** H3 cell, lower-case hex. */
  cell: string;
}

export interface TruthHotspot {
  address: string;
  owner: string;
  behaviour: Behaviour;
  cheater: boolean;
  /** The behaviour's settings (asserted offset, RSSI bias, …), as the simulator drew them. */
  knobs: Record<string, unknown>;
  /** Where the radio really is. */
  true: TruthPlace;
  /** What the registry was told; null = never asserted. */
  asserted: TruthPlace | null;
}

export interface Truth {
  format: typeof TRUTH_FORMAT;
  version: typeof TRUTH_VERSION;
  scenario: string;
  seed: number;
  /** Network clock ms per real ms. */
  speed: number;
  /** The run on the network's clock (the clock that stamps reports' `received_ms`). */
  clock: { startMs: number; endMs: number };
  hotspots: TruthHotspot[];
}

type Json = Record<string, unknown>;

/** Reads and validates a truth file; throws SIM_TRUTH_INVALID naming the file and the field. */
export async function readTruth(path: string): Promise<Truth> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw SimTruthInvalid(`${path}: cannot read: ${(err as Error).message}`, { path }, err);
  }
  return parseTruth(text, path);
}

/** Validates the text of a truth file (`source` names it in errors). */
export function parseTruth(text: string, source = 'truth'): Truth {
  const fail = (field: string, what: string): never => {
    throw SimTruthInvalid(`${source}: field "${field}" ${what}`, { path: source, field });
  };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw SimTruthInvalid(`${source}: not JSON: ${(err as Error).message}`, { path: source }, err);
  }
  const obj = (v: unknown, field: string): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : fail(field, 'must be an object'));
  const has = (o: Json, name: string, field: string): unknown => (Object.hasOwn(o, name) ? o[name] : fail(field, 'is missing'));
  const str = (o: Json, name: string, field: string): string => {
    const v = has(o, name, field);
    return typeof v === 'string' && v.length > 0 ? v : fail(field, 'must be a non-empty string');
  };
  const num = (o: Json, name: string, field: string): number => {
    const v = has(o, name, field);
    return typeof v === 'number' && Number.isFinite(v) ? v : fail(field, 'must be a number');
  };
  const int = (o: Json, name: string, field: string): number => {
    const v = num(o, name, field);
    return Number.isSafeInteger(v) ? v : fail(field, 'must be an integer');
  };
  const place = (v: unknown, field: string): TruthPlace => {
    const p = obj(v, field);
    const lat = num(p, 'lat', `${field}.lat`);
    if (lat < -90 || lat > 90) fail(`${field}.lat`, 'must be a latitude (−90…90)');
    const lng = num(p, 'lng', `${field}.lng`);
    if (lng < -180 || lng > 180) fail(`${field}.lng`, 'must be a longitude (−180…180)');
    const cell = str(p, 'cell', `${field}.cell`).toLowerCase();
    if (!/^[0-9a-f]{15}$/.test(cell) || !h3.isValidCell(cell)) fail(`${field}.cell`, 'must be an H3 cell (15 hex digits)');
    return { lat, lng, cell };
  };

  const root = obj(doc, '(document)');
  if (has(root, 'format', 'format') !== TRUTH_FORMAT) fail('format', `must be "${TRUTH_FORMAT}"`);
  if (has(root, 'version', 'version') !== TRUTH_VERSION) fail('version', `must be ${TRUTH_VERSION}`);
  const scenario = str(root, 'scenario', 'scenario');
  const seed = int(root, 'seed', 'seed');
  const speed = num(root, 'speed', 'speed');
  if (speed <= 0) fail('speed', 'must be positive');
  const clock = obj(has(root, 'clock', 'clock'), 'clock');
  const startMs = int(clock, 'startMs', 'clock.startMs');
  const endMs = int(clock, 'endMs', 'clock.endMs');
  if (endMs <= startMs) fail('clock.endMs', 'must be after clock.startMs');
  const list = has(root, 'hotspots', 'hotspots');
  if (!Array.isArray(list)) fail('hotspots', 'must be an array');

  const seen = new Set<string>();
  const hotspots = (list as unknown[]).map((item, i): TruthHotspot => {
    const at = `hotspots[${i}]`;
    const h = obj(item, at);
    const address = str(h, 'address', `${at}.address`);
    if (!isValidAddress(address)) fail(`${at}.address`, 'is not a hotspot address');
    if (seen.has(address)) fail(`${at}.address`, `repeats ${address}`);
    seen.add(address);
    const owner = str(h, 'owner', `${at}.owner`);
    if (!isValidSolanaAddress(owner)) fail(`${at}.owner`, 'is not a Solana wallet');
    const behaviour = str(h, 'behaviour', `${at}.behaviour`);
    if (!(BEHAVIOURS as readonly string[]).includes(behaviour)) fail(`${at}.behaviour`, `must be one of ${BEHAVIOURS.join(', ')}`);
    const cheater = has(h, 'cheater', `${at}.cheater`);
    if (typeof cheater !== 'boolean') fail(`${at}.cheater`, 'must be true or false');
    const knobs = obj(has(h, 'knobs', `${at}.knobs`), `${at}.knobs`);
    const asserted = has(h, 'asserted', `${at}.asserted`);
    return {
      address, owner, behaviour: behaviour as Behaviour, cheater: cheater as boolean, knobs,
      true: place(has(h, 'true', `${at}.true`), `${at}.true`),
      asserted: asserted === null ? null : place(asserted, `${at}.asserted`),
    };
  });
  return { format: TRUTH_FORMAT, version: TRUTH_VERSION, scenario, seed, speed, clock: { startMs, endMs }, hotspots };
}
