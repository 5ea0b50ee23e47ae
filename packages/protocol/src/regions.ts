import { createHash } from 'node:crypto';
import { InvalidGain, UnknownRegion } from './errors.ts';
import { helium } from './proto.ts';
import { asPlainBytes } from './bytes.ts';

// Helium's production region parameters (spec/regions.md §2, chain var 91). Order matters: the
// beacon picks its channel by index and its datarate by the first fitting spreading entry, so
// these tables are kept exactly in stored order and never sorted.

export const REGION_NAMES = ['US915', 'EU868', 'AU915', 'AS923_1'] as const;
export type RegionName = (typeof REGION_NAMES)[number];

export type SpreadingFactor = 'SF7' | 'SF8' | 'SF9' | 'SF10' | 'SF11' | 'SF12';

export interface RegionChannel {
  /** Hz */
  readonly frequency: number;
  /** Hz */
  readonly bandwidth: number;
  /** dBm × 10 */
  readonly maxEirp: number;
  readonly spreading: readonly { readonly sf: SpreadingFactor; readonly maxPacketSize: number }[];
}

export interface RegionParams {
  readonly name: RegionName;
  readonly channels: readonly RegionChannel[];
}

/** The JSON retained on `network/region/<REGION>` (spec/wire.md §3). */
export interface RegionJson {
  region: RegionName;
  channels: number[];
  bandwidth: number;
  max_eirp: number;
  spreading: { sf: SpreadingFactor; max_packet_size: number }[];
}

type Spreading = readonly (readonly [SpreadingFactor, number])[];

function table(name: RegionName, frequencies: readonly number[], maxEirp: number, spreading: Spreading): RegionParams {
  // Every channel of these four regions shares bandwidth, max EIRP and spreading (regions.md §2).
  const spread = Object.freeze(spreading.map(([sf, maxPacketSize]) => Object.freeze({ sf, maxPacketSize })));
  const channels = frequencies.map((frequency) => Object.freeze({ frequency, bandwidth: 125_000, maxEirp, spreading: spread }));
  return Object.freeze({ name, channels: Object.freeze(channels) });
}

const LONG_SPREADING: Spreading = [['SF12', 25], ['SF11', 25], ['SF10', 25], ['SF9', 67], ['SF8', 139], ['SF7', 256]];

const TABLES: Readonly<Record<RegionName, RegionParams>> = {
  US915: table('US915', [903_900_000, 904_100_000, 904_300_000, 904_500_000, 904_700_000, 904_900_000, 905_100_000, 905_300_000], 360, [['SF10', 25], ['SF9', 67], ['SF8', 139], ['SF7', 256]]),
  EU868: table('EU868', [867_100_000, 867_300_000, 867_500_000, 867_700_000, 867_900_000, 868_100_000, 868_300_000, 868_500_000], 161, [['SF12', 65], ['SF9', 129], ['SF8', 238]]),
  AU915: table('AU915', [916_800_000, 917_000_000, 917_200_000, 917_400_000, 917_600_000, 917_800_000, 918_000_000, 918_200_000], 300, LONG_SPREADING),
  AS923_1: table('AS923_1', [923_200_000, 923_400_000, 923_600_000, 923_800_000, 924_000_000, 924_200_000, 924_400_000, 924_600_000], 160, LONG_SPREADING),
};

export function isRegionName(s: unknown): s is RegionName {
  return typeof s === 'string' && (REGION_NAMES as readonly string[]).includes(s);
}

/** The frozen table of a region; throws UNKNOWN_REGION for anything else. */
export function regionParams(name: RegionName): RegionParams {
  if (!isRegionName(name)) throw UnknownRegion(`unknown region ${String(name)}`, { region: name });
  return TABLES[name];
}

/** helium.RegionSpreading enum values. */
const SPREADING_ENUM: Record<SpreadingFactor, number> = { SF7: 1, SF8: 2, SF9: 3, SF10: 4, SF11: 5, SF12: 6 };

const encoded = new Map<RegionName, Uint8Array>();

/**
 * `blockchain_region_params_v1` bytes as stored on chain. All table values are non-zero, so
 * setting every field yields the canonical encoding (protobufjs only writes defaults when set).
 */
export function encodeRegionParams(name: RegionName): Uint8Array {
  let bytes = encoded.get(name);
  if (!bytes) {
    const { channels } = regionParams(name);
    const message = {
      regionParams: channels.map((c) => ({
        channelFrequency: c.frequency,
        bandwidth: c.bandwidth,
        maxEirp: c.maxEirp,
        spreading: { taggedSpreading: c.spreading.map((s) => ({ regionSpreading: SPREADING_ENUM[s.sf], maxPacketSize: s.maxPacketSize })) },
      })),
    };
    bytes = asPlainBytes(helium.blockchain_region_params_v1.encode(message).finish());
    encoded.set(name, bytes);
  }
  return bytes.slice();
}

/** SHA-256 hex of the region's stored bytes (comparable with regions.md §2). */
export function regionParamsHash(name: RegionName): string {
  return createHash('sha256').update(encodeRegionParams(name)).digest('hex');
}

export function regionJson(name: RegionName): RegionJson {
  const { channels } = regionParams(name);
  const first = channels[0]!;
  return {
    region: name,
    channels: channels.map((c) => c.frequency),
    bandwidth: first.bandwidth,
    max_eirp: first.maxEirp,
    spreading: first.spreading.map((s) => ({ sf: s.sf, max_packet_size: s.maxPacketSize })),
  };
}

/** Largest max EIRP over the region's channels, dBm × 10 (Helium takes the max). */
export function regionMaxEirp(region: RegionName): number {
  return Math.max(...regionParams(region).channels.map((c) => c.maxEirp));
}

/**
 * trunc(maxEirp/10 − gain/10) dBm, in integers so it is exact like Helium's decimals: both are
 * tenths, so it is trunc((maxEirp − gain) / 10), and JS `%` truncates toward zero. Returns null
 * when the result is negative or the gain is not an integer number of tenths of a dBi.
 */
export function conductedPowerOrNull(region: RegionName, gainDbi10: number): number | null {
  if (!Number.isSafeInteger(gainDbi10)) return null;
  const diff = regionMaxEirp(region) - gainDbi10;
  const power = (diff - (diff % 10)) / 10;
  return power < 0 ? null : power + 0; // + 0 turns -0 into 0
}

/** Max conducted power in dBm for an antenna gain in dBi × 10; throws INVALID_GAIN if negative. */
export function maxConductedPower(region: RegionName, gainDbi10: number): number {
  const power = conductedPowerOrNull(region, gainDbi10);
  if (power === null) throw InvalidGain(`gain ${gainDbi10} (dBi × 10) is not allowed in ${region}`, { region, gain: gainDbi10 });
  return power;
}
