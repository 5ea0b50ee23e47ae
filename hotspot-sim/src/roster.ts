import { createHash } from 'node:crypto';
import { hotspotKeyFromSeed, solanaWalletFromSeed, type HotspotKey, type RegionName, type SolanaWallet } from '@hexlight/protocol';
import { drawAntenna, type Antenna } from './antenna.ts';
import type { CityPreset } from './cities.ts';
import { placeHotspots, type Position } from './placement.ts';
import { createRng } from './rng.ts';

// Who is in the fleet: keys, owners, sites. Everything follows from the seed, so a restart with
// the same seed brings back the same hotspots (already onboarded, reasserted in place).

/** Most owners hold a few hotspots (84 % own ≤ 3: Jagtap et al., IMC 2021); we give each owner 3. */
export const HOTSPOTS_PER_OWNER = 3;

export interface RosterEntry {
  index: number;
  key: HotspotKey;
  owner: SolanaWallet;
  position: Position;
  antenna: Antenna;
  region: RegionName;
}

function seed32(...parts: (string | number)[]): Uint8Array {
  const d = createHash('sha256').update(['hexlight-sim', 'v1', ...parts].join(':')).digest();
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

export function simHotspotKey(seed: number, index: number): HotspotKey {
  return hotspotKeyFromSeed(seed32('hotspot', seed, index));
}

export function simOwnerWallet(seed: number, ownerIndex: number): SolanaWallet {
  return solanaWalletFromSeed(seed32('owner', seed, ownerIndex));
}

export function buildRoster(city: CityPreset, count: number, seed: number): RosterEntry[] {
  const positions = placeHotspots(city, count, seed);
  const antennaRng = createRng(seed).fork('antenna', city.name);
  const owners = new Map<number, SolanaWallet>();
  return positions.map((position, index) => {
    const ownerIndex = Math.floor(index / HOTSPOTS_PER_OWNER);
    let owner = owners.get(ownerIndex);
    if (!owner) {
      owner = simOwnerWallet(seed, ownerIndex);
      owners.set(ownerIndex, owner);
    }
    return { index, key: simHotspotKey(seed, index), owner, position, antenna: drawAntenna(antennaRng), region: city.region };
  });
}

/** A scenario's hotspot key: the scenario name is part of it, so scenarios never share hotspots. */
export function scenarioHotspotKey(scenario: string, seed: number, index: number): HotspotKey {
  return hotspotKeyFromSeed(seed32('scenario', scenario, seed, 'hotspot', index));
}

export function scenarioOwnerWallet(scenario: string, seed: number, ownerIndex: number): SolanaWallet {
  return solanaWalletFromSeed(seed32('scenario', scenario, seed, 'owner', ownerIndex));
}
