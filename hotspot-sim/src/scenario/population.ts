import type { HotspotKey, RegionName, SolanaWallet } from '@hexlight/protocol';
import { backhaulClassAt, type BackhaulClassName } from '../backhaul.ts';
import { BEHAVIOUR_MODULES, SCENARIO_BEHAVIOURS, type BehaviourName, type BehaviourSettings } from '../behaviours/index.ts';
import { distanceM, type Position } from '../placement.ts';
import { createRng, type Rng } from '../rng.ts';
import { HOTSPOTS_PER_OWNER, scenarioHotspotKey, scenarioOwnerWallet } from '../roster.ts';
import { cellCentre, createArea, createSpacingGrid, offsetPoint, placeInArea, type Area } from './area.ts';
import { drawDist } from './dist.ts';
import type { Scenario } from './format.ts';

// Who a scenario's hotspots are, before anything connects: the physical radios (where they really
// stand, their real antenna, building loss, backhaul class, concentrator counter) and the hotspot
// identities on them (key, owner, behaviour, knobs, what they assert). Pure and seeded: the same
// scenario always gives the same population, and the truth file is written from it.

export interface PopulationRadio {
  index: number;
  /** Where it really is (the centre of its res-12 cell). */
  position: Position;
  /** The antenna really mounted, dBi × 10. */
  gain: number;
  elevation: number;
  /** Building loss, dB; 0 outdoors. */
  indoorLossDb: number;
  backhaul: BackhaulClassName;
  /** Origin of its free-running µs counter. */
  tmstOffset: number;
  /** Indices of the hotspots behind it (several for `shared_radio`). */
  hotspots: number[];
}

export interface PopulationHotspot {
  index: number;
  key: HotspotKey;
  owner: SolanaWallet;
  behaviour: BehaviourName;
  cheater: boolean;
  knobs: Record<string, unknown>;
  radio: number;
  asserted: Position;
  assertedGain: number;
  assertedElevation: number;
}

export interface Population {
  area: Area;
  region: RegionName;
  radios: PopulationRadio[];
  /** In index order. */
  hotspots: PopulationHotspot[];
  /** Hotspots per behaviour. */
  counts: Record<BehaviourName, number>;
}

interface Slot {
  behaviour: BehaviourName;
  group?: { id: string; size: number; member: number };
}

/** How many hotspots each behaviour gets, and the group sizes of grouped ones. */
export function behaviourCounts(scenario: Scenario): { behaviour: BehaviourName; count: number; groups: number[] }[] {
  const n = scenario.hotspots.count;
  let remaining = n;
  const out: { behaviour: BehaviourName; count: number; groups: number[] }[] = [];
  for (const name of SCENARIO_BEHAVIOURS) {
    const settings = scenario.behaviours[name as keyof Scenario['behaviours']];
    const module = BEHAVIOUR_MODULES[name];
    let count = Math.min(remaining, Math.round(settings.share * n));
    let groups: number[] = [];
    if (module.groups && settings.share > 0) {
      // A group needs two; a share too small for one still gets one group.
      if (count < 2) count = remaining >= 2 ? 2 : 0;
      groups = splitGroups(count, module.groups.size(settings));
    }
    remaining -= count;
    out.push({ behaviour: name, count, groups });
  }
  out.unshift({ behaviour: 'honest', count: remaining, groups: [] });
  return out;
}

/** `count` members in groups of at most `size`, none under two (the last ones may differ by one). */
function splitGroups(count: number, size: number): number[] {
  if (count === 0) return [];
  let groups = Math.ceil(count / size);
  if (Math.floor(count / groups) < 2) groups = Math.max(1, Math.floor(count / 2));
  return Array.from({ length: groups }, (_, i) => Math.floor(count / groups) + (i < count % groups ? 1 : 0));
}

export function buildPopulation(scenario: Scenario): Population {
  const root = createRng(`scenario:${scenario.name}:${scenario.seed}`);
  const area = createArea(scenario.area);
  const plan = behaviourCounts(scenario);

  // Slots: one per hotspot; a shared radio's keys sit on one site.
  const slots: Slot[] = [];
  for (const { behaviour, count, groups } of plan) {
    const module = BEHAVIOUR_MODULES[behaviour];
    if (!module.groups) {
      for (let i = 0; i < count; i++) slots.push({ behaviour });
      continue;
    }
    groups.forEach((size, g) => {
      const id = `${module.groups!.prefix}-${g + 1}`;
      for (let member = 0; member < size; member++) slots.push({ behaviour, group: { id, size, member } });
    });
  }
  // Indices (keys, owners) in random order, so owners and index ranges do not line up with behaviours.
  shuffle(slots, root.fork('order'));

  // One physical site per slot, except that every key of a shared radio uses its group's.
  const siteOf = new Map<string, number>();
  let sites = 0;
  const slotSite = slots.map((s) => {
    if (s.group && BEHAVIOUR_MODULES[s.behaviour].groups!.kind === 'radio') {
      const known = siteOf.get(s.group.id);
      if (known !== undefined) return known;
      siteOf.set(s.group.id, sites);
    }
    return sites++;
  });

  const positions = placeInArea(area, sites, root.fork('placement'), scenario.hotspots);
  const siteRng = root.fork('sites');
  const radios: PopulationRadio[] = positions.map((position, index) => {
    const gain = Math.round(drawDist(scenario.antenna.gain, siteRng));
    const elevation = Math.round(drawDist(scenario.antenna.elevationM, siteRng));
    const indoor = siteRng.next() < scenario.indoor.share;
    const indoorLossDb = indoor ? Math.round(drawDist(scenario.indoor.lossDb, siteRng) * 10) / 10 : 0;
    const backhaul = backhaulClassAt(scenario.backhaul, siteRng.next());
    return { index, position, gain, elevation, indoorLossDb, backhaul, tmstOffset: siteRng.int(0x1_0000_0000), hotspots: [] };
  });

  spaceCliques(scenario, area, slots, slotSite, radios, root.fork('cliques'));

  const owners = new Map<number, SolanaWallet>();
  const hotspots = slots.map((slot, index): PopulationHotspot => {
    const radio = radios[slotSite[index]!]!;
    radio.hotspots.push(index);
    const module = BEHAVIOUR_MODULES[slot.behaviour];
    const settings: BehaviourSettings = slot.behaviour === 'honest' ? { share: 0 } : scenario.behaviours[slot.behaviour as keyof Scenario['behaviours']];
    const setup = module.setup({
      rng: root.fork('setup', index), settings, region: scenario.region, beaconIntervalS: scenario.beaconIntervalS,
      trueGain: radio.gain, ...(slot.group ? { group: slot.group } : {}),
    });
    const ownerIndex = Math.floor(index / HOTSPOTS_PER_OWNER);
    let owner = owners.get(ownerIndex);
    if (!owner) {
      owner = scenarioOwnerWallet(scenario.name, scenario.seed, ownerIndex);
      owners.set(ownerIndex, owner);
    }
    return {
      index,
      key: scenarioHotspotKey(scenario.name, scenario.seed, index),
      owner,
      behaviour: slot.behaviour,
      cheater: module.cheater,
      knobs: setup.knobs,
      radio: radio.index,
      asserted: setup.assertOffset ? cellCentre(offsetPoint(radio.position, setup.assertOffset.km, setup.assertOffset.bearingDeg)) : radio.position,
      assertedGain: setup.assertedGain ?? radio.gain,
      assertedElevation: radio.elevation,
    };
  });

  const counts = Object.fromEntries(Object.keys(BEHAVIOUR_MODULES).map((b) => [b, 0])) as Record<BehaviourName, number>;
  for (const h of hotspots) counts[h.behaviour]++;
  return { area, region: scenario.region, radios, hotspots, counts };
}

/**
 * Moves each clique's members at least its `minSpacingKm` apart (best effort in a small area),
 * keeping the scenario's `minSpacingM` from every other radio where a draw allows.
 */
function spaceCliques(scenario: Scenario, area: Area, slots: Slot[], slotSite: number[], radios: PopulationRadio[], rng: Rng): void {
  const cliques = new Map<string, { behaviour: BehaviourName; sites: number[] }>();
  slots.forEach((s, i) => {
    if (!s.group || BEHAVIOUR_MODULES[s.behaviour].groups!.kind !== 'clique') return;
    const clique = cliques.get(s.group.id) ?? { behaviour: s.behaviour, sites: [] };
    clique.sites.push(slotSite[i]!);
    cliques.set(s.group.id, clique);
  });
  const minSpacingM = scenario.hotspots.minSpacingM;
  const others = minSpacingM > 0 ? createSpacingGrid(area, minSpacingM) : null;
  if (others) for (const r of radios) others.add(r.position);
  for (const { behaviour, sites } of cliques.values()) {
    const spacingM = (scenario.behaviours[behaviour as keyof Scenario['behaviours']].minSpacingKm as number) * 1000;
    if (!(spacingM > 0)) continue;
    const placed: Position[] = [];
    // How well a spot does: 1 = both distances hold; below, the worse of the two as a fraction.
    const fit = (p: Position) => Math.min(1, gap(p, placed) / spacingM, others ? others.gap(p) / minSpacingM : 1);
    for (const site of sites) {
      const current = radios[site]!.position;
      others?.remove(current);
      let best = current;
      let bestFit = fit(best);
      for (let attempt = 0; attempt < 200 && bestFit < 1; attempt++) {
        const candidate = cellCentre(area.randomPoint(rng));
        if (!area.contains(candidate.lat, candidate.lng)) continue;
        const f = fit(candidate);
        if (f > bestFit) {
          best = candidate;
          bestFit = f;
        }
      }
      radios[site]!.position = best;
      others?.add(best);
      placed.push(best);
    }
  }
}

function gap(p: Position, others: readonly Position[]): number {
  return others.reduce((min, o) => Math.min(min, distanceM(p, o)), Infinity);
}

function shuffle<T>(items: T[], rng: Rng): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}
