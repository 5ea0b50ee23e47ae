import { ConfigInvalid, envInt, envString, freezeDeep, type Clock, type Logger } from '@hexlight/kit';
import { CITY_NAMES, CITIES } from './cities.ts';

export interface FleetConfig {
  /** Registry API base, e.g. http://127.0.0.1:8080 */
  apiUrl: string;
  /** Broker, e.g. mqtt://127.0.0.1:1883 */
  mqttUrl: string;
  /** City preset name (cities.ts). */
  city: string;
  hotspots: number;
  /**
   * Each hotspot beacons once per UTC-aligned window of this length at a uniformly random instant
   * in it (like gateway-rs), the first window being the current one. Helium: 6 h; demos: ~30 s.
   */
  beaconIntervalMs: number;
  seed: number;
  /**
   * Sensors sending uplinks through the hotspots that hear them (the data path): the fleet signs
   * up an organisation for them, takes a DevAddr block and buys DC on the network's embedded
   * payment provider. Default 0.
   */
  devices?: number;
  /** Mean time between two uplinks of a sensor, ms (exponential). Default 5 min. */
  devicePeriodMs?: number;
  /** GPS trackers driving across the city (an organisation of their own, multi-buy 10). Default 0. */
  mappers?: number;
  /** Mean time between two uplinks of a mapper, ms; it drives 500 m per minute of this. Default 1 min. */
  mapperPeriodMs?: number;
  /** Default systemClock. */
  clock?: Clock;
  log?: Logger;
}

/** The most sensors one fleet sends uplinks for (one DevAddr block of the network's pool). */
export const MAX_FLEET_DEVICES = 65_536;
/** The most hotspots one fleet process simulates; above it use several processes (load mode, later). */
export const MAX_FLEET_HOTSPOTS = 10_000;

/** Throws CONFIG_INVALID naming the setting and what it would break. */
export function validateFleetConfig(c: FleetConfig): void {
  const url = (name: string, value: unknown, protocols: string[]): void => {
    let u: URL | null = null;
    try {
      u = new URL(String(value));
    } catch {
      // reported below
    }
    if (!u || !protocols.includes(u.protocol)) {
      throw ConfigInvalid(`${name}=${JSON.stringify(value)} must be a ${protocols.join(' or ')}// URL (the simulator cannot reach the network otherwise)`, { setting: name });
    }
  };
  url('apiUrl', c.apiUrl, ['http:', 'https:']);
  url('mqttUrl', c.mqttUrl, ['mqtt:', 'mqtts:', 'tcp:', 'tls:', 'ws:', 'wss:']);
  if (!Object.hasOwn(CITIES, c.city)) throw ConfigInvalid(`city=${JSON.stringify(c.city)} is not a preset; known: ${CITY_NAMES.join(', ')}`, { setting: 'city' });
  if (!Number.isInteger(c.hotspots) || c.hotspots < 0 || c.hotspots > MAX_FLEET_HOTSPOTS) {
    throw ConfigInvalid(`hotspots=${c.hotspots} must be an integer in [0, ${MAX_FLEET_HOTSPOTS}]`, { setting: 'hotspots' });
  }
  if (!Number.isInteger(c.beaconIntervalMs) || c.beaconIntervalMs < 1_000) {
    throw ConfigInvalid(`beaconIntervalMs=${c.beaconIntervalMs} must be an integer ≥ 1000 (shorter windows flood the verifier with beacons it must refuse)`, { setting: 'beaconIntervalMs' });
  }
  if (c.devices !== undefined && (!Number.isInteger(c.devices) || c.devices < 0 || c.devices > MAX_FLEET_DEVICES)) {
    throw ConfigInvalid(`devices=${c.devices} must be an integer in [0, ${MAX_FLEET_DEVICES}]`, { setting: 'devices' });
  }
  if (c.mappers !== undefined && (!Number.isInteger(c.mappers) || c.mappers < 0 || c.mappers > MAX_FLEET_DEVICES)) {
    throw ConfigInvalid(`mappers=${c.mappers} must be an integer in [0, ${MAX_FLEET_DEVICES}]`, { setting: 'mappers' });
  }
  if (c.mapperPeriodMs !== undefined && (!Number.isInteger(c.mapperPeriodMs) || c.mapperPeriodMs < 1_000)) {
    throw ConfigInvalid(`mapperPeriodMs=${c.mapperPeriodMs} must be an integer ≥ 1000`, { setting: 'mapperPeriodMs' });
  }
  if (c.devicePeriodMs !== undefined && (!Number.isInteger(c.devicePeriodMs) || c.devicePeriodMs < 1_000)) {
    throw ConfigInvalid(`devicePeriodMs=${c.devicePeriodMs} must be an integer ≥ 1000`, { setting: 'devicePeriodMs' });
  }
  if (!Number.isSafeInteger(c.seed)) throw ConfigInvalid(`seed=${c.seed} must be an integer (it fixes keys, placement and links)`, { setting: 'seed' });
}

type Env = Record<string, string | undefined>;

/** Fleet settings from the environment (README "Configuration"), validated and frozen. */
export function loadFleetConfig(env: Env = process.env): Readonly<FleetConfig> {
  const config: FleetConfig = {
    apiUrl: envString(env, 'SIM_API_URL', 'http://127.0.0.1:8080'),
    mqttUrl: envString(env, 'SIM_MQTT_URL', 'mqtt://127.0.0.1:1883'),
    city: envString(env, 'SIM_CITY', 'lisbon'),
    hotspots: envInt(env, 'SIM_HOTSPOTS', 20, { min: 0, max: MAX_FLEET_HOTSPOTS }),
    beaconIntervalMs: envInt(env, 'SIM_BEACON_INTERVAL_MS', 30_000, { min: 1_000, what: 'beacon window length' }),
    seed: envInt(env, 'SIM_SEED', 1),
    devices: envInt(env, 'SIM_DEVICES', 0, { min: 0, max: MAX_FLEET_DEVICES }),
    devicePeriodMs: envInt(env, 'SIM_DEVICE_PERIOD_MS', 300_000, { min: 1_000, what: 'mean time between two uplinks of a sensor' }),
    mappers: envInt(env, 'SIM_MAPPERS', 0, { min: 0, max: MAX_FLEET_DEVICES }),
    mapperPeriodMs: envInt(env, 'SIM_MAPPER_PERIOD_MS', 60_000, { min: 1_000, what: 'mean time between two uplinks of a mapper' }),
  };
  validateFleetConfig(config);
  return freezeDeep(config);
}
