// @hexlight/hotspot-sim: a simulated hotspot fleet that onboards through the registry API and
// speaks the wire protocol (spec/wire.md) over MQTT. README.md describes inputs, outputs and the radio model.
export { createFleet, START_CONCURRENCY, WITNESS_LATENCY_MS, type Fleet, type FleetPorts, type FleetStats } from './fleet.ts';
export { loadFleetConfig, validateFleetConfig, MAX_FLEET_HOTSPOTS, type FleetConfig } from './config.ts';
export { CITIES, CITY_NAMES, cityPreset, UnknownCity, type CityPreset } from './cities.ts';
export { placeHotspots, distanceM, ASSERT_RESOLUTION, type Position, type PlacementOptions } from './placement.ts';
export { drawAntenna, GAIN_MIX, ELEVATION_RANGE_M, type Antenna } from './antenna.ts';
export { buildRoster, simHotspotKey, simOwnerWallet, HOTSPOTS_PER_OWNER, type RosterEntry } from './roster.ts';
export { createRng, hashSeed, type Rng } from './rng.ts';
export {
  rssiAt, snrFor, canHear, pathLossDb, fsplDb, noiseFloorDbm, linkShadowDb, parseDataRate,
  URBAN, LORASIM, PATH_LOSS_PROFILES, GATEWAY_SENSITIVITY_DBM, SNR_MIN_DB, NOISE_FIGURE_DB, BEACON_BANDWIDTH_HZ,
  type PathLossProfile, type RadioOptions,
} from './radio.ts';
export { nextBeaconTime, windowStart, startBeaconLoop, realTimers, type BeaconLoop, type BeaconLoopOptions, type Timers } from './schedule.ts';
export { SimHotspot, LOCAL_ENTROPY_BYTES, type SimBeacon, type SimHotspotInit, type Rejection } from './hotspot.ts';
export { mqttLinks, MqttConnectFailed, type HotspotLink, type LinkFactory, type LinkOptions, type MqttLinkSettings } from './link.ts';
export {
  createRegistryClient, onboardMessage, assertMessage, RegistryRequestFailed,
  type RegistryClient, type Assertion, type Capability,
} from './registry-client.ts';
export * from './load/index.ts';
export * from './score/index.ts';
export { SUBURBAN, FREE_SPACE, freeSpaceBoundDbm, siteLossDb, rssiForLoss, receiveThresholdDbm, hearingProbability, normalCdf, type LinkModel, type RadioSite, type HearingInput } from './radio.ts';
export { createShadowingField, fieldCorrelation, DEFAULT_CORRELATION_DISTANCE_M, FIELD_FEATURES, type ShadowingField } from './shadowing.ts';
export { BACKHAUL_CLASSES, DEFAULT_BACKHAUL, drawLatencyMs, type Backhaul, type BackhaulClass, type BackhaulClassName } from './backhaul.ts';
export { scenarioHotspotKey, scenarioOwnerWallet } from './roster.ts';
export { BEHAVIOUR_MODULES, SCENARIO_BEHAVIOURS, behaviourModule, type BehaviourModule, type BehaviourName, type KnobSpec } from './behaviours/index.ts';
export * from './scenario/index.ts';
export type { PacketUplink } from './hotspot.ts';
