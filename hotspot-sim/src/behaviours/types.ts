import type { Clock } from '@hexlight/kit';
import type { RegionName } from '@hexlight/protocol';
import type { Rng } from '../rng.ts';
import type { Position } from '../placement.ts';
import type { PacketUplink, SimBeacon } from '../hotspot.ts';
import type { FieldChecker, NumberRule } from '../scenario/check.ts';
import type { Dist } from '../scenario/dist.ts';
import type { Behaviour as BehaviourName } from '../score/truth.ts';

// What a behaviour module is: its knobs (validated by the scenario loader, with defaults), how it
// sets a hotspot up (what it asserts, what the truth file records), and the hooks the scenario run
// calls. A hook a module leaves out means "as an honest hotspot does".

export type { BehaviourName };

export type KnobSpec =
  /** Drawn once per hotspot (`per: 'hotspot'`, the truth records the value) or at every use (`'event'`, the truth records the distribution). */
  | { kind: 'dist'; per: 'hotspot' | 'event'; default: Dist; rule: NumberRule; unit: string; doc: string }
  | { kind: 'int' | 'number'; default: number; rule: NumberRule; unit?: string; doc: string };

/** A behaviour's validated settings: `share` and every knob (defaults filled). */
export interface BehaviourSettings {
  share: number;
  [knob: string]: number | Dist;
}

export interface SetupContext {
  rng: Rng;
  settings: BehaviourSettings;
  region: RegionName;
  beaconIntervalS: number;
  /** The group this hotspot belongs to (a ring's clique, a shared radio), if the behaviour forms groups. */
  group?: { id: string; size: number; member: number };
  /** The antenna really mounted, dBi × 10. */
  trueGain: number;
}

export interface Setup {
  /** What the truth file records under `knobs` (JSON values only). */
  knobs: Record<string, unknown>;
  /** Assert this far from the real place instead of at it. */
  assertOffset?: { km: number; bearingDeg: number };
  /** Assert this antenna gain (dBi × 10) instead of the real one. */
  assertedGain?: number;
}

/** What one hotspot is, as the hooks see it. */
export interface ActorView {
  readonly address: string;
  readonly behaviour: BehaviourName;
  readonly knobs: Readonly<Record<string, unknown>>;
  readonly asserted: Position;
  readonly assertedGain: number;
  /** The physical radio (several keys share one for `shared_radio`). */
  readonly radioId: number;
}

/** A beacon this hotspot's radio received. */
export interface Reception {
  /** dBm × 10, as the radio measured it. */
  rssi: number;
  /** dB × 10 */
  snr: number;
  /** This radio's backhaul latency for this report, ms (drawn once per radio, so shared keys agree). */
  latencyMs: number;
  /** Clock ms at which the beacon was on the air. */
  heardAtMs: number;
}

/** A witness report to publish. */
export interface WitnessPlan {
  signal: number;
  snr: number;
  /** After the beacon's transmission, clock ms. */
  delayMs: number;
  /** The report's own timestamp (and tmst): when the hotspot claims it heard the beacon. */
  receivedAtMs: number;
  /** False for a witness of a beacon the radio never received (a ring's relay). */
  physical: boolean;
}

/** Control over one running hotspot, for behaviours that act on their own (flaky, dc_farmer). */
export interface ActorControl {
  readonly clock: Clock;
  readonly rng: Rng;
  readonly view: ActorView;
  readonly region: RegionName;
  /** A timer in clock ms; cleared when the run stops. */
  after(ms: number, fn: () => void): void;
  /** Run async work the run waits for when it stops (and that tests can wait for). */
  track(work: Promise<unknown>): void;
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  /** The DevAddr of this hotspot's own device (a DC farmer's), from its organisation; null without one. */
  readonly ownDevAddr: number | null;
  publishPacket(packet: PacketUplink): Promise<void>;
  count(counter: 'disconnects' | 'reconnects'): void;
  stopping(): boolean;
}

export interface BeaconSeen {
  beacon: SimBeacon;
  beaconer: ActorView;
  /** Whether this hotspot's radio physically received it. */
  heard: boolean;
  /** This radio's backhaul latency for a report now, ms. */
  latencyMs: number;
  /** Asserted distance between the two, m. */
  assertedDistanceM: number;
  rng: Rng;
}

export interface BehaviourModule {
  readonly name: BehaviourName;
  /** offline and flaky are faults, not cheating; honest is neither. */
  readonly cheater: boolean;
  /** One line for the README and `--help`. */
  readonly summary: string;
  readonly knobs: Readonly<Record<string, KnobSpec>>;
  /** Cross-field checks beyond each knob's own rule (e.g. a spammer's period under the window). */
  check?(settings: BehaviourSettings, scenario: { beaconIntervalS: number }, c: FieldChecker, field: string): void;
  /** Hotspots of this behaviour come in groups: 'radio' shares one radio per group, 'clique' spaces members apart. */
  readonly groups?: { kind: 'radio' | 'clique'; size(settings: BehaviourSettings): number; prefix: string };
  setup(ctx: SetupContext): Setup;
  /** False: onboarded and asserted, never connected. */
  readonly connects?: boolean;
  /** Beacon once per window of this length instead of the scenario's. */
  beaconPeriodMs?(knobs: Readonly<Record<string, unknown>>): number;
  /** The tx_power its beacon reports, given the conducted power it really used (dBm). */
  reportedTxPower?(knobs: Readonly<Record<string, unknown>>, conductedDbm: number): number;
  /** How it reports a beacon its radio received; null = not at all. Default: as measured, after its latency. */
  report?(knobs: Readonly<Record<string, unknown>>, reception: Reception, rng: Rng): WitnessPlan | null;
  /** Called for every beacon of its region from another radio: a witness it invents (ring), or null. */
  fabricate?(self: ActorView, seen: BeaconSeen): WitnessPlan | null;
  /** Starts its own activity (reconnect cycles, packets); everything goes through `control`. */
  start?(control: ActorControl): void;
}

/** Reads a number knob the module itself stored in the truth knobs. */
export function knobNumber(knobs: Readonly<Record<string, unknown>>, name: string): number {
  const v = knobs[name];
  if (typeof v !== 'number') throw new TypeError(`knob ${name} is not a number`);
  return v;
}

/** Reads a distribution knob (per event) the module stored. */
export function knobDist(knobs: Readonly<Record<string, unknown>>, name: string): Dist {
  return knobs[name] as Dist;
}

/** The honest way to report a received beacon: as measured, after the backhaul latency. */
export function honestReport(reception: Reception): WitnessPlan {
  return { signal: reception.rssi, snr: reception.snr, delayMs: reception.latencyMs, receivedAtMs: reception.heardAtMs, physical: true };
}

/** 3 decimals: enough for any knob, and the truth file stays readable. */
export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
