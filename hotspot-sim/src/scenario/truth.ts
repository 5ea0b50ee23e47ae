import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { defineError } from '@hexlight/kit';
import { TRUTH_FORMAT, TRUTH_VERSION, type Truth, type TruthHotspot } from '../score/truth.ts';
import type { Scenario } from './format.ts';
import type { Population } from './population.ts';

// The ground truth of a run, in the fixed format `hexlight sim score` reads (score/truth.ts):
// every hotspot with its behaviour, whether it cheats, its knobs, where it really is and what it
// asserted. Written when the run starts (with the planned end) and again when it stops (the real
// end), each time whole, by rename, so a reader never sees half a file.

/** details: `{ path }`. */
export const TruthWriteFailed = defineError('SIM_TRUTH_WRITE_FAILED', 'the ground-truth file could not be written', { httpStatus: 500 });

export function buildTruth(scenario: Scenario, population: Population, run: { startMs: number; endMs: number; speed: number }): Truth {
  const hotspots = population.hotspots.map((h): TruthHotspot => {
    const radio = population.radios[h.radio]!;
    return {
      address: h.key.address,
      owner: h.owner.address,
      behaviour: h.behaviour,
      cheater: h.cheater,
      knobs: h.knobs,
      true: { lat: radio.position.lat, lng: radio.position.lng, cell: radio.position.cell },
      asserted: { lat: h.asserted.lat, lng: h.asserted.lng, cell: h.asserted.cell },
    };
  });
  return {
    format: TRUTH_FORMAT,
    version: TRUTH_VERSION,
    scenario: scenario.name,
    seed: scenario.seed,
    speed: run.speed,
    // The reader wants endMs after startMs; a run stopped in its first millisecond still spans one.
    clock: { startMs: run.startMs, endMs: Math.max(run.endMs, run.startMs + 1) },
    hotspots,
  };
}

export async function writeTruth(path: string, truth: Truth): Promise<void> {
  const target = resolve(path);
  const temp = `${target}.${process.pid}.tmp`;
  try {
    await mkdir(dirname(target), { recursive: true });
    await writeFile(temp, `${JSON.stringify(truth, null, 2)}\n`, 'utf8');
    await rename(temp, target);
  } catch (err) {
    throw TruthWriteFailed(`cannot write the truth file ${target}: ${(err as Error).message}`, { path: target }, err);
  }
}
