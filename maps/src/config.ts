import { ConfigInvalid, envInt, envString, freezeDeep, loadBrokerTls, type BrokerTls } from '@hexlight/kit';

export interface MapsConfig {
  /** The network's broker as a service client (mqtt://user:pass@host:port); undefined = no MQTT path. */
  brokerUrl: string | undefined;
  /** BROKER_TLS_* (CA, client certificate), used when the broker URL is mqtts://. */
  brokerTls: BrokerTls;
  /** Copies of one frame (same PHYPayload) within this window are one measurement. */
  groupWindowMs: number;
  dcPerHex: number;
  dcPerSummary: number;
  /** Token buckets: carrier keys (per organisation) and public endpoints (per client IP). */
  ratePerMin: number;
  publicRatePerMin: number;
  maxCells: number;
  defaultWindowDays: number;
  estimateIntervalMs: number;
  estimateDays: number;
  filters: { maxAccuracyM: number; maxHdop: number; minSatellites: number; maxHotspotKm: number; maxSpeedKmh: number; minAltitudeM: number; maxAltitudeM: number };
  web: { networkApi: string; pollS: number; center: [number, number]; zoom: number };
}

/** MAPS_* settings from the environment (README "Configuration"). */
export function loadMapsConfig(env: Record<string, string | undefined> = process.env): Readonly<MapsConfig> {
  const center = (envString(env, 'MAPS_CENTER', '38.7223,-9.1393')).split(',').map(Number);
  if (center.length !== 2 || !center.every(Number.isFinite) || Math.abs(center[0]!) > 85 || Math.abs(center[1]!) > 180) {
    throw ConfigInvalid(`MAPS_CENTER=${JSON.stringify(env.MAPS_CENTER)} must be "lat,lng" (the web map's first view)`, { setting: 'MAPS_CENTER' });
  }
  const brokerUrl = envString(env, 'MAPS_BROKER_URL');
  if (brokerUrl && !/^mqtts?:\/\//.test(brokerUrl)) throw ConfigInvalid('MAPS_BROKER_URL must be mqtt://… or mqtts://…', { setting: 'MAPS_BROKER_URL' });
  return freezeDeep({
    brokerUrl,
    // Files read (and checked) only when there is a broker to use them on.
    brokerTls: brokerUrl ? loadBrokerTls(env) : {},
    groupWindowMs: envInt(env, 'MAPS_GROUP_WINDOW_MS', 2000, { min: 10, max: 60_000 }),
    dcPerHex: envInt(env, 'MAPS_DC_PER_HEX', 1, { min: 0, max: 1_000_000 }),
    dcPerSummary: envInt(env, 'MAPS_DC_PER_SUMMARY', 10, { min: 0, max: 1_000_000 }),
    ratePerMin: envInt(env, 'MAPS_RATE_PER_MIN', 600, { min: 1 }),
    publicRatePerMin: envInt(env, 'MAPS_PUBLIC_RATE_PER_MIN', 1200, { min: 1 }),
    maxCells: envInt(env, 'MAPS_MAX_CELLS', 200_000, { min: 100, max: 5_000_000 }),
    defaultWindowDays: envInt(env, 'MAPS_DEFAULT_WINDOW_DAYS', 90, { min: 1, max: 36_500 }),
    estimateIntervalMs: envInt(env, 'MAPS_ESTIMATE_INTERVAL_S', 300, { min: 0 }) * 1000,
    estimateDays: envInt(env, 'MAPS_ESTIMATE_DAYS', 30, { min: 1, max: 3650 }),
    filters: {
      maxAccuracyM: envInt(env, 'MAPS_MAX_ACCURACY_M', 10, { min: 1 }),
      maxHdop: envInt(env, 'MAPS_MAX_HDOP', 5, { min: 1 }),
      minSatellites: 4,
      maxHotspotKm: envInt(env, 'MAPS_MAX_HOTSPOT_KM', 200, { min: 1, max: 1000 }),
      maxSpeedKmh: envInt(env, 'MAPS_MAX_SPEED_KMH', 300, { min: 1 }),
      minAltitudeM: -500,
      maxAltitudeM: 10_000,
    },
    web: {
      networkApi: (envString(env, 'MAPS_NETWORK_API', '') ?? '').replace(/\/$/, ''),
      pollS: envInt(env, 'MAPS_WEB_POLL_S', 10, { min: 1, max: 3600 }),
      center: [center[0]!, center[1]!] as [number, number],
      zoom: envInt(env, 'MAPS_ZOOM', 12, { min: 1, max: 20 }),
    },
  });
}
