import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { basename, resolve } from 'node:path';
import { defineError } from '@hexlight/kit';
import { ScenarioInvalid } from './check.ts';
import type { Scenario } from './format.ts';
import { validateScenario } from './validate.ts';

// Scenarios by name (the built-ins shipped in hotspot-sim/scenarios/) or by path (any JSON file).

/** details: `{ scenario, known }`. */
export const ScenarioNotFound = defineError('SIM_SCENARIO_NOT_FOUND', 'no such scenario: neither a built-in name nor a readable file', { httpStatus: 404 });

/** hotspot-sim/scenarios/, where the built-in scenarios live as `<name>.json`. */
export const BUILTIN_SCENARIO_DIR = fileURLToPath(new URL('../../scenarios/', import.meta.url));

/** Names of the built-in scenarios, sorted. */
export function builtinScenarios(): string[] {
  return readdirSync(BUILTIN_SCENARIO_DIR).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length)).sort();
}

/**
 * A built-in scenario by name (`city-mixed`) or a scenario file by path (anything with a `/` or
 * ending in `.json`), parsed and validated: SIM_SCENARIO_NOT_FOUND or SIM_SCENARIO_INVALID.
 */
export async function loadScenario(nameOrPath: string): Promise<Readonly<Scenario>> {
  const isPath = nameOrPath.includes('/') || nameOrPath.includes('\\') || nameOrPath.endsWith('.json');
  const known = builtinScenarios();
  if (!isPath && !known.includes(nameOrPath)) {
    throw ScenarioNotFound(`no built-in scenario "${nameOrPath}"; built-in: ${known.join(', ')} (or give a path to a .json file)`, { scenario: nameOrPath, known });
  }
  const path = isPath ? resolve(nameOrPath) : resolve(BUILTIN_SCENARIO_DIR, `${nameOrPath}.json`);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw ScenarioNotFound(`cannot read scenario file ${path}: ${(err as Error).message}`, { scenario: nameOrPath, known }, err);
  }
  const source = isPath ? path : basename(path);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw ScenarioInvalid(`${source}: not JSON: ${(err as Error).message}`, { source, field: '', problem: `not JSON: ${(err as Error).message}` }, err);
  }
  return validateScenario(doc, source);
}
