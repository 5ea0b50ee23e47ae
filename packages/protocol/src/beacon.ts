import { createHash } from 'node:crypto';
import { bytesEqual } from './bytes.ts';
import { ChaCha12Rng } from './chacha.ts';
import { dataRateName, dataRateValue } from './data-rates.ts';
import { InvalidBeacon } from './errors.ts';
import type { BeaconReport } from './messages.ts';
import { conductedPowerOrNull, regionParams, type RegionName } from './regions.ts';

// Beacon derivation as helium/proto `beacon` (spec/regions.md §3). Hotspot and verifier both run
// this: the beacon is valid only when the verifier regenerates the same data, frequency and
// datarate from the entropies named in the report.

export const BEACON_PAYLOAD_SIZE = 51;

export interface RemoteEntropy {
  data: Uint8Array;
  /** Unix seconds (Helium once used ms by mistake, which matched nothing). */
  timestamp: number;
  version: number;
}

export interface DerivedBeacon {
  data: Uint8Array;
  frequency: number;
  datarate: string;
  datarateValue: number;
  conductedPower: number;
}

function i64le(n: number): Uint8Array {
  if (!Number.isSafeInteger(n)) throw InvalidBeacon(`entropy timestamp ${n} is not an integer`, { timestamp: n });
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigInt64(0, BigInt(n), true);
  return b;
}

const ZERO_TIMESTAMP = new Uint8Array(8);

/** SHA-256(remote.data ‖ i64le(remote.timestamp) ‖ local ‖ i64le(0)): local entropy has timestamp 0. */
export function beaconSeed(remote: RemoteEntropy, local: Uint8Array): Uint8Array {
  const d = createHash('sha256').update(remote.data).update(i64le(remote.timestamp)).update(local).update(ZERO_TIMESTAMP).digest();
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

/** First spreading entry (stored order) fitting `packetSize`, with the first channel's bandwidth. */
export function selectDatarate(region: RegionName, packetSize: number): string {
  const first = regionParams(region).channels[0];
  if (!first) throw InvalidBeacon(`region ${region} has no channels`, { region });
  const fit = first.spreading.find((s) => s.maxPacketSize >= packetSize);
  if (!fit) throw InvalidBeacon(`no ${region} spreading fits ${packetSize} bytes`, { region, packetSize });
  const name = `${fit.sf}BW${Math.floor(first.bandwidth / 1000)}`;
  if (dataRateValue(name) === undefined) throw InvalidBeacon(`${name} is not a helium data rate`, { region, datarate: name });
  return name;
}

export function deriveBeacon(input: { remoteEntropy: RemoteEntropy; localEntropy: Uint8Array; region: RegionName; gain: number }): DerivedBeacon {
  const { remoteEntropy, localEntropy, region, gain } = input;
  if (remoteEntropy.version !== 0 && remoteEntropy.version !== 1) {
    throw InvalidBeacon(`unsupported entropy version ${remoteEntropy.version}`, { version: remoteEntropy.version });
  }
  const { channels } = regionParams(region);
  if (channels.length === 0) throw InvalidBeacon(`region ${region} has no channels`, { region });

  const rng = new ChaCha12Rng(beaconSeed(remoteEntropy, localEntropy));
  const data = new Uint8Array(BEACON_PAYLOAD_SIZE);
  // rand's Standard u8 takes one u32 per byte and keeps its low 8 bits.
  for (let i = 0; i < BEACON_PAYLOAD_SIZE; i++) data[i] = rng.nextU32() & 0xff;

  const frequency = channels[(data[0]! | (data[1]! << 8)) % channels.length]!.frequency;
  const datarate = selectDatarate(region, BEACON_PAYLOAD_SIZE);
  const conductedPower = conductedPowerOrNull(region, gain);
  if (conductedPower === null) throw InvalidBeacon(`gain ${gain} leaves no conducted power in ${region}`, { region, gain });
  return { data, frequency, datarate, datarateValue: dataRateValue(datarate)!, conductedPower };
}

export type BeaconCheck = { ok: true } | { ok: false; reason: 'invalid_packet'; detail: string };

/**
 * Regenerates the beacon from the report's entropy bytes with the verifier's own entropy
 * timestamp and version, and compares data, frequency and datarate. tx_power is not compared
 * (Helium's `generated ≥ reported` power check is commented out).
 */
export function verifyBeacon(
  report: Pick<BeaconReport, 'localEntropy' | 'remoteEntropy' | 'data' | 'frequency' | 'datarate'>,
  entropy: { timestamp: number; version: number },
  region: RegionName,
  gain: number,
): BeaconCheck {
  let expected: DerivedBeacon;
  try {
    expected = deriveBeacon({
      remoteEntropy: { data: report.remoteEntropy, timestamp: entropy.timestamp, version: entropy.version },
      localEntropy: report.localEntropy,
      region,
      gain,
    });
  } catch (err) {
    if (InvalidBeacon.is(err)) return { ok: false, reason: 'invalid_packet', detail: err.message };
    throw err;
  }
  if (!bytesEqual(expected.data, report.data)) return { ok: false, reason: 'invalid_packet', detail: 'beacon data does not match the entropy' };
  if (expected.frequency !== report.frequency) {
    return { ok: false, reason: 'invalid_packet', detail: `frequency ${report.frequency} Hz, expected ${expected.frequency} Hz` };
  }
  if (expected.datarateValue !== report.datarate) {
    const reported = dataRateName(report.datarate) ?? String(report.datarate);
    return { ok: false, reason: 'invalid_packet', detail: `datarate ${reported}, expected ${expected.datarate}` };
  }
  return { ok: true };
}
