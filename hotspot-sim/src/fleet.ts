import { createLogger, systemClock, type Service } from '@hexlight/kit';
import { cityPreset } from './cities.ts';
import { validateFleetConfig, type FleetConfig } from './config.ts';
import { mapLimit } from './concurrency.ts';
import { SimHotspot, type SimBeacon } from './hotspot.ts';
import { mqttLinks, type LinkFactory } from './link.ts';
import { distanceM } from './placement.ts';
import { canHear, linkShadowDb, rssiAt, snrFor, URBAN, type PathLossProfile } from './radio.ts';
import { createRegistryClient, type RegistryClient } from './registry-client.ts';
import { buildRoster } from './roster.ts';
import { dataUplink, gpsUplink, UPLINK_DATARATE } from './scenario/actors.ts';
import { createArea } from './scenario/area.ts';
import { DEFAULT_ORG_DC, provisionOrg } from './scenario/orgs.ts';
import { regionParams } from '@hexlight/protocol';
import { createRng } from './rng.ts';
import { realTimers, startBeaconLoop, windowStart, type BeaconLoop, type Timers } from './schedule.ts';

// The fleet: onboards and asserts every hotspot, connects them, runs each one's beacon schedule
// and plays the radio between them: when one beacons, every other hotspot of the region that
// the path-loss model says can hear it publishes a witness after its backhaul latency. With
// `devices` and `mappers`, sensors and GPS trackers driving around, each of an organisation it signs
// up, send uplinks that every hotspot hearing them reports as packets, which the network buys from
// that organisation's DC (and maps/ turns the mappers' into measured coverage).

export interface FleetStats {
  /** Hotspots registered and asserted (201, or 409 HOTSPOT_EXISTS on a restart). */
  onboarded: number;
  /** Hotspots whose MQTT connection is up right now. */
  connected: number;
  /** Beacon reports acknowledged by the broker. */
  beacons: number;
  /** Witness reports acknowledged by the broker. */
  witnesses: number;
  /** Refusals received on `hotspot/<addr>/rejected`. */
  rejected: number;
  /** Sensors' and mappers' uplinks sent, and packet reports acknowledged for them. */
  uplinks: number;
  packets: number;
  /** Reports that could not be built or whose publish failed (no PUBACK, connection gone). */
  publishErrors: number;
}

export type Fleet = Service & {
  stats(): FleetStats;
};

/** Adapters a test (or a later load mode) swaps in; the defaults talk to `config`'s URLs. */
export interface FleetPorts {
  links?: LinkFactory;
  registry?: RegistryClient;
  timers?: Timers;
  /** Radio profile; default URBAN. */
  profile?: PathLossProfile;
}

/** Parallel HTTP requests / MQTT connects while starting. */
export const START_CONCURRENCY = 16;
/** A sensor's conducted power, dBm (14: EU868's usual end-device limit). */
const DEVICE_TX_DBM = 14;
/** Backhaul latency between hearing a beacon and publishing the witness, ms. */
export const WITNESS_LATENCY_MS = { min: 50, max: 800 } as const;

export function createFleet(config: FleetConfig, ports: FleetPorts = {}): Fleet {
  validateFleetConfig(config);
  const clock = config.clock ?? systemClock;
  const log = config.log ?? createLogger('hotspot-sim');
  const links = ports.links ?? mqttLinks(config.mqttUrl);
  const registry = ports.registry ?? createRegistryClient(config.apiUrl);
  const timers = ports.timers ?? realTimers;
  const profile = ports.profile ?? URBAN;
  const root = createRng(config.seed);
  const latency = root.fork('latency');

  const counters = { onboarded: 0, beacons: 0, witnesses: 0, rejected: 0, publishErrors: 0, uplinks: 0, packets: 0 };
  let hotspots: SimHotspot[] = [];
  let loops: BeaconLoop[] = [];
  const witnessTimers = new Set<unknown>();
  const inflight = new Set<Promise<void>>();
  let running = false;
  let stopping = false;

  const track = (p: Promise<void>): void => {
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
  };

  async function beaconOnce(h: SimHotspot, plannedAt: number): Promise<number | null> {
    try {
      if (!(await h.waitForEntropy()) || stopping) return null;
      // Entropy came only after this window closed: skip it rather than beacon in the next one.
      if (windowStart(clock.now(), config.beaconIntervalMs) !== windowStart(plannedAt, config.beaconIntervalMs)) return null;
      const beacon = h.prepareBeacon();
      if (!beacon) return null;
      const heard = propagate(h, beacon);
      track(h.publishBeacon(beacon).then(
        () => {
          counters.beacons++;
          log.debug({ address: h.address, frequency: beacon.frequency, witnesses: heard }, 'sim.beacon.sent');
        },
        (err: Error) => {
          counters.publishErrors++;
          log.warn({ address: h.address, err: err.message }, 'sim.beacon.publish-failed');
        },
      ));
      return beacon.sentAt;
    } catch (err) {
      // A beacon that cannot be built (e.g. an unsupported entropy version) skips this window.
      counters.publishErrors++;
      log.warn({ address: h.address, err: (err as Error).message }, 'sim.beacon.failed');
      return null;
    }
  }

  /**
   * The fleet's hotspots of `region` that hear a transmission from `at` (the path-loss model with
   * the link's shadowing, keyed by `from`), with what they measure: RSSI dBm × 10 and SNR dB × 10.
   */
  function hearers(from: string, at: { lat: number; lng: number }, region: string, tx: { dbm: number; gainDbi10: number; frequency: number; sf: number; bandwidthHz: number }) {
    const out: { h: SimHotspot; rssi: number; snr: number }[] = [];
    for (const h of hotspots) {
      if (h.address === from || h.region !== region) continue;
      const shadow = linkShadowDb(config.seed, from, h.address, profile.sigmaDb);
      const rssi = rssiAt(tx.dbm, tx.gainDbi10, h.antenna.gain, distanceM(at, h.position), shadow, { profile, frequencyHz: tx.frequency });
      const snr = snrFor(rssi, tx.bandwidthHz);
      if (canHear(rssi, snr, tx.sf)) out.push({ h, rssi, snr });
    }
    return out;
  }

  /** Schedules a witness from every hotspot that hears `beacon`; returns how many do. */
  function propagate(beaconer: SimHotspot, beacon: SimBeacon): number {
    const heard = hearers(beaconer.address, beaconer.position, beaconer.region, {
      dbm: beacon.txPower, gainDbi10: beacon.gain, frequency: beacon.frequency, sf: beacon.sf, bandwidthHz: beacon.bandwidthHz,
    });
    for (const { h: w, rssi, snr } of heard) {
      const delay = latency.range(WITNESS_LATENCY_MS.min, WITNESS_LATENCY_MS.max);
      const handle = timers.setTimeout(() => {
        witnessTimers.delete(handle);
        if (stopping || !w.connected) return;
        track(w.witness(beacon, rssi, snr, beacon.sentAt).then(
          () => {
            counters.witnesses++;
          },
          (err: Error) => {
            counters.publishErrors++;
            log.warn({ address: w.address, err: err.message }, 'sim.witness.publish-failed');
          },
        ));
      }, delay);
      witnessTimers.add(handle);
    }
    return heard.length;
  }

  /** Sensor uplink timers, cleared on stop like the witnesses'. */
  const deviceTimers = new Set<unknown>();
  const later = (ms: number, fn: () => void): void => {
    const handle = timers.setTimeout(() => {
      deviceTimers.delete(handle);
      if (!stopping) fn();
    }, ms);
    deviceTimers.add(handle);
  };

  /**
   * Signs up an organisation for `count` devices and starts their uplinks (one per `meanMs` on
   * average, exponential): each goes on the air at the device's position of the moment, and every
   * hotspot that hears it publishes a packet report after its backhaul latency.
   */
  async function startUplinks(kind: 'sensors' | 'mappers', count: number, meanMs: number): Promise<void> {
    const city = cityPreset(config.city);
    const org = await provisionOrg(config.apiUrl, { name: `demo ${kind} (${city.name})`, multiBuy: kind === 'mappers' ? 10 : 1, devices: count, dc: DEFAULT_ORG_DC }, { log });
    const area = createArea({ kind: 'city', city: config.city });
    const channels = regionParams(city.region).channels;
    org.devAddrs.forEach((devAddr, i) => {
      const rng = root.fork(kind, i);
      const where = kind === 'mappers' ? driver(area, rng, meanMs) : fixed(area.randomPoint(rng));
      let fcnt = 0;
      const send = (): void => {
        const position = where();
        const payload = kind === 'mappers' ? gpsUplink(devAddr, fcnt++ & 0xffff, position) : dataUplink(devAddr, fcnt++ & 0xffff, rng.bytes(12));
        const frequency = channels[rng.int(channels.length)]!.frequency;
        counters.uplinks++;
        const heard = hearers(`${kind}-${i}`, position, city.region, {
          dbm: DEVICE_TX_DBM, gainDbi10: 0, frequency, sf: UPLINK_DATARATE.sf, bandwidthHz: UPLINK_DATARATE.bandwidthHz,
        });
        for (const { h, rssi, snr } of heard) {
          const heardAt = clock.now();
          later(latency.range(WITNESS_LATENCY_MS.min, WITNESS_LATENCY_MS.max), () => {
            if (!h.connected) return;
            track(h.packet({ payload, rssi: Math.floor(rssi / 10), snr: snr / 10, frequency, datarate: UPLINK_DATARATE.name }, heardAt).then(
              () => {
                counters.packets++;
              },
              (err: Error) => {
                counters.publishErrors++;
                log.warn({ address: h.address, err: err.message }, 'sim.packet.publish-failed');
              },
            ));
          });
        }
        later(Math.max(1_000, Math.round(-Math.log(1 - rng.next()) * meanMs)), send);
      };
      later(Math.round(rng.next() * meanMs), send);
    });
  }

  /** A car crossing the city between random waypoints at 30 km/h per `periodMs` of 1 min. */
  function driver(area: ReturnType<typeof createArea>, rng: ReturnType<typeof createRng>, periodMs: number): () => { lat: number; lng: number } {
    let at = area.toLocal(area.randomPoint(rng));
    let target = area.toLocal(area.randomPoint(rng));
    const stepM = 500 * (periodMs / 60_000);
    return () => {
      const dx = target.x - at.x;
      const dy = target.y - at.y;
      const d = Math.hypot(dx, dy);
      if (d <= stepM) {
        at = target;
        target = area.toLocal(area.randomPoint(rng));
      } else {
        at = { x: at.x + (dx / d) * stepM, y: at.y + (dy / d) * stepM };
      }
      return area.fromLocal(at.x, at.y);
    };
  }

  function fixed(p: { lat: number; lng: number }): () => { lat: number; lng: number } {
    return () => p;
  }

  async function disconnectAll(list: SimHotspot[]): Promise<void> {
    await mapLimit(list, START_CONCURRENCY * 4, async (h) => {
      try {
        await h.disconnect();
      } catch (err) {
        log.warn({ address: h.address, err: (err as Error).message }, 'sim.hotspot.disconnect-failed');
      }
    });
  }

  return {
    name: 'hotspot-sim',

    async start() {
      if (running) throw new Error('fleet already started');
      running = true;
      stopping = false;
      counters.onboarded = 0;
      const city = cityPreset(config.city);
      const roster = buildRoster(city, config.hotspots, config.seed);
      log.info({ city: city.name, region: city.region, hotspots: roster.length, beaconIntervalMs: config.beaconIntervalMs, seed: config.seed }, 'sim.fleet.starting');

      try {
        await mapLimit(roster, START_CONCURRENCY, async (e) => {
          await registry.onboard(e.key, e.owner, Math.floor(clock.now() / 1000));
          // ms as the nonce: always above the previous run's, so a restart reasserts in place.
          await registry.assert(e.key.address, e.owner, {
            nonce: clock.now(), location: e.position.cell, region: e.region, gain: e.antenna.gain, elevation: e.antenna.elevation, capability: 'full',
          });
          counters.onboarded++;
        });
        log.info({ onboarded: counters.onboarded }, 'sim.fleet.onboarded');

        hotspots = roster.map((e) => new SimHotspot({
          key: e.key, owner: e.owner, position: e.position, antenna: e.antenna, region: e.region,
          links, clock, log, rng: root.fork('hotspot', e.index),
          onRejected: () => {
            counters.rejected++;
          },
        }));
        await mapLimit(hotspots, START_CONCURRENCY, (h) => h.connect());
      } catch (err) {
        await disconnectAll(hotspots);
        hotspots = [];
        running = false;
        throw err;
      }

      loops = hotspots.map((h, i) => startBeaconLoop({
        clock, timers, rng: root.fork('schedule', i), intervalMs: config.beaconIntervalMs,
        onBeacon: (plannedAt) => beaconOnce(h, plannedAt),
      }));
      // Without these the PoC side still runs: a network without the accounts API keeps going.
      if ((config.devices ?? 0) > 0) {
        await startUplinks('sensors', config.devices!, config.devicePeriodMs ?? 300_000).catch((err: Error) => log.warn({ err: err.message }, 'sim.devices.failed'));
      }
      if ((config.mappers ?? 0) > 0) {
        await startUplinks('mappers', config.mappers!, config.mapperPeriodMs ?? 60_000).catch((err: Error) => log.warn({ err: err.message }, 'sim.mappers.failed'));
      }
      log.info({ connected: hotspots.filter((h) => h.connected).length }, 'sim.fleet.started');
    },

    async stop() {
      if (!running) return;
      stopping = true;
      for (const loop of loops) loop.stop();
      loops = [];
      for (const handle of witnessTimers) timers.clearTimeout(handle);
      witnessTimers.clear();
      for (const handle of deviceTimers) timers.clearTimeout(handle);
      deviceTimers.clear();
      // Disconnecting ends each client after its in-flight reports, so those settle too.
      await disconnectAll(hotspots);
      await Promise.allSettled([...inflight]);
      log.info({ ...counters }, 'sim.fleet.stopped');
      hotspots = [];
      running = false;
    },

    stats() {
      return { ...counters, connected: hotspots.filter((h) => h.connected).length };
    },
  };
}
