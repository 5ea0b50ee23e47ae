import type { Clock } from '@hexlight/kit';
import { regionParams } from '@hexlight/protocol';
import type { Rng } from '../rng.ts';
import type { Area } from './area.ts';
import { drawDist } from './dist.ts';
import type { Scenario } from './format.ts';

// Actors other than hotspots: mappers driving routes with GPS trackers, and sensors sending
// uplinks from fixed places. Their uplinks go through the same radio model as beacons; every
// hotspot that hears one reports a `packet` (spec/wire.md §3). With DevAddrs from their
// organisations (orgs.ts) the network routes and buys them; random ones are refused
// (`unknown_devaddr`).

/** SF9 at 125 kHz exists in every supported region's uplink plan. */
export const UPLINK_DATARATE = { name: 'SF9BW125', sf: 9, bandwidthHz: 125_000 } as const;
/** A tracker's or sensor's antenna, dBi × 10 (a small whip, our assumption). */
export const DEVICE_GAIN_DBI10 = 0;
/** Cayenne LPP GPS: channel, type 0x88, lat/lng × 10⁴ and altitude × 100 in 3-byte big-endian signed integers. */
const LPP_GPS = 0x88;

export interface Uplink {
  id: string;
  source: 'mapper' | 'device';
  position: { lat: number; lng: number };
  txPowerDbm: number;
  gainDbi10: number;
  frequency: number;
  datarate: string;
  sf: number;
  bandwidthHz: number;
  /** The LoRaWAN PHYPayload. */
  payload: Uint8Array;
  /** Clock ms on the air. */
  at: number;
}

export interface ActorsDeps {
  clock: Clock;
  /** A timer in clock ms that the run clears when it stops. */
  after(ms: number, fn: () => void): void;
  rng: Rng;
  /** Puts an uplink on the air; returns how many hotspots heard it. */
  carry(uplink: Uplink): number;
  stopping(): boolean;
  /** DevAddrs the network routes to the mappers' / sensors' organisation, one per actor; random without. */
  mapperDevAddrs?: readonly number[];
  deviceDevAddrs?: readonly number[];
}

export interface ActorsRuntime {
  stop(): void;
}

export function startActors(scenario: Scenario, area: Area, deps: ActorsDeps): ActorsRuntime {
  let stopped = false;
  const live = () => !stopped && !deps.stopping();
  const channels = regionParams(scenario.region).channels;
  const uplink = (u: Omit<Uplink, 'frequency' | 'datarate' | 'sf' | 'bandwidthHz' | 'gainDbi10' | 'at'>, rng: Rng): void => {
    deps.carry({
      ...u, gainDbi10: DEVICE_GAIN_DBI10, frequency: channels[rng.int(channels.length)]!.frequency,
      datarate: UPLINK_DATARATE.name, sf: UPLINK_DATARATE.sf, bandwidthHz: UPLINK_DATARATE.bandwidthHz, at: deps.clock.now(),
    });
  };

  const { mappers, devices } = scenario.actors;
  for (let i = 0; i < mappers.count; i++) {
    const rng = deps.rng.fork('mapper', i);
    const drawn = rng.int(0x1_0000_0000);
    const devAddr = deps.mapperDevAddrs?.[i] ?? drawn;
    const speedMs = (drawDist(mappers.speedKmh, rng) * 1000) / 3600;
    let at = area.toLocal(area.randomPoint(rng));
    let target = area.toLocal(area.randomPoint(rng));
    let fcnt = 0;
    // Drives from waypoint to waypoint across the area, reporting its position every period.
    const drive = (seconds: number): void => {
      let left = seconds * speedMs;
      for (let leg = 0; left > 0 && leg < 100; leg++) {
        const dx = target.x - at.x;
        const dy = target.y - at.y;
        const d = Math.hypot(dx, dy);
        if (d <= left) {
          at = target;
          left -= d;
          target = area.toLocal(area.randomPoint(rng));
        } else {
          at = { x: at.x + (dx / d) * left, y: at.y + (dy / d) * left };
          left = 0;
        }
      }
    };
    const tick = (): void => {
      if (!live()) return;
      drive(mappers.uplinkPeriodS);
      const position = area.fromLocal(at.x, at.y);
      uplink({ id: `mapper-${i}`, source: 'mapper', position, txPowerDbm: mappers.txPowerDbm, payload: gpsUplink(devAddr, fcnt++, position) }, rng);
      deps.after(mappers.uplinkPeriodS * 1000, tick);
    };
    deps.after(rng.range(0, mappers.uplinkPeriodS * 1000), tick);
  }

  for (let i = 0; i < devices.count; i++) {
    const rng = deps.rng.fork('device', i);
    const drawn = rng.int(0x1_0000_0000);
    const devAddr = deps.deviceDevAddrs?.[i] ?? drawn;
    const position = area.randomPoint(rng);
    let fcnt = 0;
    const tick = (): void => {
      if (!live()) return;
      uplink({ id: `device-${i}`, source: 'device', position, txPowerDbm: devices.txPowerDbm, payload: dataUplink(devAddr, fcnt++, rng.bytes(devices.payloadBytes - 13)) }, rng);
      deps.after(drawDist(devices.uplinkPeriodS, rng) * 1000, tick);
    };
    deps.after(drawDist(devices.uplinkPeriodS, rng) * 1000 * rng.next(), tick);
  }

  return {
    stop() {
      stopped = true;
    },
  };
}

/** A GPS tracker's uplink: Cayenne LPP GPS on port 1 (unencrypted: the simulator has no session keys). */
export function gpsUplink(devAddr: number, fcnt: number, p: { lat: number; lng: number }, altitudeM = 50): Uint8Array {
  const lpp = new Uint8Array(11);
  lpp[0] = 1;
  lpp[1] = LPP_GPS;
  put24(lpp, 2, Math.round(p.lat * 10_000));
  put24(lpp, 5, Math.round(p.lng * 10_000));
  put24(lpp, 8, Math.round(altitudeM * 100));
  return dataUplink(devAddr, fcnt, lpp);
}

/** Reads back the position of a `gpsUplink`. */
export function readGpsUplink(phy: Uint8Array): { lat: number; lng: number } | null {
  const lpp = phy.subarray(9, phy.byteLength - 4);
  if (lpp.byteLength !== 11 || lpp[1] !== LPP_GPS) return null;
  return { lat: get24(lpp, 2) / 10_000, lng: get24(lpp, 5) / 10_000 };
}

/** An unconfirmed data uplink: MHDR, DevAddr (LE), FCtrl, FCnt (LE), FPort 1, FRMPayload, MIC (zeros: no keys). */
export function dataUplink(devAddr: number, fcnt: number, frm: Uint8Array): Uint8Array {
  const out = new Uint8Array(9 + frm.byteLength + 4);
  out[0] = 0x40;
  new DataView(out.buffer).setUint32(1, devAddr >>> 0, true);
  out[5] = 0;
  new DataView(out.buffer).setUint16(6, fcnt & 0xffff, true);
  out[8] = 1;
  out.set(frm, 9);
  return out;
}

function put24(b: Uint8Array, at: number, v: number): void {
  const u = v < 0 ? v + 0x100_0000 : v;
  b[at] = (u >>> 16) & 0xff;
  b[at + 1] = (u >>> 8) & 0xff;
  b[at + 2] = u & 0xff;
}

function get24(b: Uint8Array, at: number): number {
  const u = (b[at]! << 16) | (b[at + 1]! << 8) | b[at + 2]!;
  return u & 0x80_0000 ? u - 0x100_0000 : u;
}
