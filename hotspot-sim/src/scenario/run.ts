import { createLogger, systemClock, type Clock, type Logger, type Service } from '@hexlight/kit';
import { bytesToHex } from '@hexlight/protocol';
import {
  BEHAVIOUR_MODULES, honestReport, type ActorControl, type ActorView, type BehaviourModule, type BehaviourName, type Reception, type WitnessPlan,
} from '../behaviours/index.ts';
import { mapLimit } from '../concurrency.ts';
import { START_CONCURRENCY } from '../fleet.ts';
import { SimHotspot, type PacketUplink, type SimBeacon } from '../hotspot.ts';
import { mqttLinks, type LinkFactory } from '../link.ts';
import { distanceM } from '../placement.ts';
import { createRegistryClient, type RegistryClient } from '../registry-client.ts';
import { createRng, type Rng } from '../rng.ts';
import { realTimers, startBeaconLoop, windowStart, type BeaconLoop, type Timers } from '../schedule.ts';
import type { Truth } from '../score/truth.ts';
import { startActors, type ActorsRuntime, type Uplink } from './actors.ts';
import { DEFAULT_ORG_DC, provisionOrg, type OrgPlan, type ProvisionedOrg } from './orgs.ts';
import { createAir, type AirRadio } from './air.ts';
import type { Scenario } from './format.ts';
import { buildPopulation, type Population, type PopulationHotspot } from './population.ts';
import { buildTruth, writeTruth } from './truth.ts';

// A scenario run: builds the population, writes the ground truth, onboards and asserts every
// hotspot through the registry API, connects all but the offline ones, and plays the radio. When a
// hotspot beacons, every other radio of the area that the link model says hears it gets a
// reception; each hotspot on that radio reports it as its behaviour does, after its backhaul
// latency; ring members invent what they did not hear. The run ends by itself once the
// scenario's duration has passed on the clock, and rewrites the truth with the real end.

export interface BehaviourStats {
  hotspots: number;
  /** MQTT connections up right now. */
  connected: number;
  /** Reports acknowledged by the broker (PUBACK = stored, or refused and answered). */
  beacons: number;
  witnesses: number;
  /** Of `witnesses`: invented, for beacons the radio never received (rings). */
  fabricated: number;
  /** `packet` reports of its own (data-credit farming). */
  packets: number;
  /** `packet` reports for mappers' and devices' uplinks it heard. */
  carried: number;
  /** Refusals received on `hotspot/<addr>/rejected`. */
  rejected: number;
  /** Reports that could not be built or published. */
  publishErrors: number;
  /** Reports not sent because the hotspot was disconnected when they were due. */
  missed: number;
  disconnects: number;
  reconnects: number;
}

export interface ScenarioStats {
  scenario: string;
  /** Clock ms since the run started, and the run's length. */
  elapsedMs: number;
  durationMs: number;
  onboarded: number;
  totals: BehaviourStats;
  byBehaviour: Record<BehaviourName, BehaviourStats>;
  /** Refusals by reason, as the network answered on `hotspot/<address>/rejected`. */
  rejectedByReason: Record<string, number>;
  /** Uplinks of mappers and devices, and the packet reports hotspots published for them. */
  actors: { uplinks: number; packets: number };
  /** The newest entropy any hotspot holds (its timestamp, s) and how many connected hotspots lack it. */
  entropy: { latestS: number | null; behind: number };
}

/** What the run does, as it does it (for progress displays and tests). */
export type SimEvent =
  | { type: 'beacon'; at: number; address: string; behaviour: BehaviourName; data: string; heardBy: number }
  | {
    type: 'witness'; at: number; address: string; behaviour: BehaviourName; beaconer: string; data: string;
    beaconSentAt: number; receivedAt: number; signal: number; snr: number; physical: boolean;
  }
  | { type: 'packet'; at: number; address: string; behaviour: BehaviourName; bytes: number; source: 'own' | 'mapper' | 'device' };

export interface ScenarioRunOptions {
  apiUrl: string;
  mqttUrl: string;
  clock?: Clock;
  /** Waits in clock ms (kit's `clockTimers(clock)` for an accelerated clock); default real timers. */
  timers?: Timers;
  log?: Logger;
  /** Where to write the ground truth (written at start and rewritten at stop); none = no file. */
  truthPath?: string;
  /** Called every `progressIntervalMs` of real time while running. */
  onProgress?: (stats: ScenarioStats) => void;
  progressIntervalMs?: number;
  onEvent?: (event: SimEvent) => void;
  /** Overrides the scenario's duration, clock ms. */
  durationMs?: number;
  /** Clock ms per real ms, for the truth file; default the clock's, else the scenario's. */
  speed?: number;
  /**
   * Sign up the organisations the scenario's mappers, sensors and DC farmers belong to, and buy
   * their Data Credits (orgs.ts), so the network buys their packets. Default: on when the scenario
   * has any of them.
   */
  provisionOrgs?: boolean;
  /** DC each organisation buys; default 1,000,000 ($10). */
  orgDc?: number;
  /** For an operator grant when the network takes only real card payments. */
  adminToken?: string;
  /** Adapters (tests): MQTT connections, registry client. */
  links?: LinkFactory;
  registry?: RegistryClient;
}

export type ScenarioRun = Service & {
  stats(): ScenarioStats;
  /** The organisations signed up for this run (after start). */
  orgs(): ProvisionedOrg[];
  /** The population (who is who, where); available at once. */
  readonly population: Population;
  /** The truth as of now (endMs = now while running). */
  truth(): Truth;
  /** Settles when the run has stopped, by itself at the end of its duration or through stop(). */
  readonly finished: Promise<void>;
  /** Resolves once no report, connection change or beacon is in flight (tests on a virtual clock). */
  settled(): Promise<void>;
};

interface Actor {
  pop: PopulationHotspot;
  module: BehaviourModule;
  view: ActorView;
  radio: AirRadio;
  hotspot: SimHotspot;
  rng: Rng;
  stats: BehaviourStats;
}

const MAX_TIMER_MS = 2_147_483_647;
/** Copies of a mapper's uplink bought: a mapper wants every hotspot that heard it (up to this many). */
const MAPPER_MULTI_BUY = 10;

export function runScenario(scenario: Scenario, opts: ScenarioRunOptions): ScenarioRun {
  const clock = opts.clock ?? systemClock;
  const timers = opts.timers ?? realTimers;
  const log = opts.log ?? createLogger('hotspot-sim');
  const links = opts.links ?? mqttLinks(opts.mqttUrl);
  const registry = opts.registry ?? createRegistryClient(opts.apiUrl);
  const durationMs = opts.durationMs ?? Math.round(scenario.durationS * 1000);
  const speed = opts.speed ?? clock.speed ?? scenario.speed;
  const population = buildPopulation(scenario);
  const root = createRng(`scenario-run:${scenario.name}:${scenario.seed}`);
  const beaconIntervalMs = scenario.beaconIntervalS * 1000;

  const air = createAir(scenario, population, root.fork('air'));

  const newStats = (): BehaviourStats => ({
    hotspots: 0, connected: 0, beacons: 0, witnesses: 0, fabricated: 0, packets: 0, carried: 0, rejected: 0, publishErrors: 0, missed: 0, disconnects: 0, reconnects: 0,
  });
  const byBehaviour = Object.fromEntries(Object.keys(BEHAVIOUR_MODULES).map((b) => [b, newStats()])) as Record<BehaviourName, BehaviourStats>;
  const rejectedByReason: Record<string, number> = {};
  const actorCounts = { uplinks: 0, packets: 0 };
  let onboarded = 0;

  /** The connecting hotspots behind each radio. */
  const onRadio = new Map<AirRadio, Actor[]>(air.radios.map((r) => [r, []]));
  const views = new Map<number, ActorView>(population.hotspots.map((h) => [h.index, {
    address: h.key.address, behaviour: h.behaviour, knobs: h.knobs, asserted: h.asserted, assertedGain: h.assertedGain, radioId: h.radio,
  }]));
  for (const h of population.hotspots) byBehaviour[h.behaviour].hotspots++;

  let actors: Actor[] = [];
  let loops: BeaconLoop[] = [];
  let actorsRuntime: ActorsRuntime | null = null;
  const pending = new Set<unknown>();
  const inflight = new Set<Promise<unknown>>();
  let running = false;
  let stopping = false;
  let stopped: Promise<void> | null = null;
  let startMs = clock.now();
  /** Set once the fleet is up and the run's clock has started. */
  let live = false;
  let endedMs: number | null = null;
  let endHandle: unknown = null;
  let progressTimer: NodeJS.Timeout | null = null;
  let resolveFinished!: () => void;
  let rejectFinished!: (err: unknown) => void;
  const finished = new Promise<void>((res, rej) => {
    resolveFinished = res;
    rejectFinished = rej;
  });
  // A caller that only awaits stop() must not see an unhandled rejection here.
  finished.catch(() => undefined);

  const emit = (e: SimEvent): void => {
    if (!opts.onEvent) return;
    try {
      opts.onEvent(e);
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'sim.scenario.event-handler-failed');
    }
  };

  const track = <T>(work: Promise<T>): void => {
    const p = work.catch((err: Error) => log.warn({ err: err.message }, 'sim.scenario.task-failed'));
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
  };

  /** A timer in clock ms, cleared on stop. */
  const after = (ms: number, fn: () => void): void => {
    const handle = timers.setTimeout(() => {
      pending.delete(handle);
      if (!stopping) fn();
    }, Math.max(0, Math.min(MAX_TIMER_MS, ms)));
    pending.add(handle);
  };

  const eventName = { beacons: 'beacon', witnesses: 'witness', packets: 'packet', carried: 'packet' } as const;
  const publish = (a: Actor, what: 'beacons' | 'witnesses' | 'packets' | 'carried', work: () => Promise<void>, onAck?: () => void): void => {
    if (!a.hotspot.connected) {
      a.stats.missed++;
      return;
    }
    let p: Promise<void>;
    try {
      p = work();
    } catch (err) {
      a.stats.publishErrors++;
      log.warn({ address: a.view.address, err: (err as Error).message }, `sim.${eventName[what]}.build-failed`);
      return;
    }
    track(p.then(
      () => {
        a.stats[what]++;
        onAck?.();
      },
      (err: Error) => {
        a.stats.publishErrors++;
        log.warn({ address: a.view.address, err: err.message }, `sim.${eventName[what]}.publish-failed`);
      },
    ));
  };

  function scheduleWitness(a: Actor, beaconer: Actor, beacon: SimBeacon, plan: WitnessPlan): void {
    // Signed now, so the moment it is due costs only the socket write: at 288× every real ms of
    // delay in this process is 288 ms of network time, and the verifier's witness limits are
    // 4 s after the beacon and 1.5 s after the first witness.
    let payload: Uint8Array;
    try {
      payload = a.hotspot.makeWitness(beacon, plan.signal, plan.snr, plan.receivedAtMs);
    } catch (err) {
      a.stats.publishErrors++;
      log.warn({ address: a.view.address, err: (err as Error).message }, 'sim.witness.build-failed');
      return;
    }
    after(plan.delayMs, () => {
      emit({
        type: 'witness', at: clock.now(), address: a.view.address, behaviour: a.view.behaviour, beaconer: beaconer.view.address,
        data: bytesToHex(beacon.data), beaconSentAt: beacon.sentAt, receivedAt: plan.receivedAtMs, signal: plan.signal, snr: plan.snr, physical: plan.physical,
      });
      publish(a, 'witnesses', () => a.hotspot.publishWitness(payload), () => {
        if (!plan.physical) a.stats.fabricated++;
      });
    });
  }

  /** The radio part of a beacon: who hears it, and what each hotspot makes of it. */
  function propagate(beaconer: Actor, beacon: SimBeacon): number {
    const heard = air.receptions(beaconer.radio, { txPowerDbm: beacon.txPower, frequency: beacon.frequency, sf: beacon.sf, bandwidthHz: beacon.bandwidthHz, atMs: beacon.sentAt });
    for (const [radio, reception] of heard) {
      for (const a of onRadio.get(radio)!) {
        const plan = a.module.report ? a.module.report(a.view.knobs, reception, a.rng) : honestReport(reception);
        if (plan) scheduleWitness(a, beaconer, beacon, plan);
      }
    }
    for (const a of actors) {
      if (!a.module.fabricate || a.radio === beaconer.radio) continue;
      const plan = a.module.fabricate(a.view, {
        beacon, beaconer: beaconer.view, heard: heard.has(a.radio),
        latencyMs: air.latencyMs(a.radio),
        assertedDistanceM: distanceM(beaconer.view.asserted, a.view.asserted), rng: a.rng,
      });
      if (plan) scheduleWitness(a, beaconer, beacon, plan);
    }
    return heard.size;
  }

  async function beaconOnce(a: Actor, plannedAt: number, periodMs: number): Promise<number | null> {
    if (stopping || !a.hotspot.connected) return null;
    const entropy = await a.hotspot.waitForEntropy();
    if (!entropy || stopping || !a.hotspot.connected) return null;
    // Entropy came only after this window closed: skip it rather than beacon in the next one.
    if (windowStart(clock.now(), periodMs) !== windowStart(plannedAt, periodMs)) return null;
    let beacon: SimBeacon | null;
    try {
      const lie = a.module.reportedTxPower;
      beacon = a.hotspot.prepareBeacon(lie ? (conducted) => lie(a.view.knobs, conducted) : undefined);
    } catch (err) {
      a.stats.publishErrors++;
      log.warn({ address: a.view.address, err: (err as Error).message }, 'sim.beacon.failed');
      return null;
    }
    if (!beacon) return null;
    const heardBy = propagate(a, beacon);
    const b = beacon;
    after(air.latencyMs(a.radio), () => {
      emit({ type: 'beacon', at: clock.now(), address: a.view.address, behaviour: a.view.behaviour, data: bytesToHex(b.data), heardBy });
      publish(a, 'beacons', () => a.hotspot.publishBeacon(b));
    });
    return beacon.sentAt;
  }

  /** A mapper's or device's uplink: a packet report from every connected hotspot that hears it. */
  function carryUplink(u: Uplink): number {
    actorCounts.uplinks++;
    const heard = air.receptions(air.transmitter(u.id, u.position, u.gainDbi10), { txPowerDbm: u.txPowerDbm, frequency: u.frequency, sf: u.sf, bandwidthHz: u.bandwidthHz, atMs: u.at });
    for (const [radio, reception] of heard) {
      for (const a of onRadio.get(radio)!) {
        after(reception.latencyMs, () => {
          const packet: PacketUplink = { payload: u.payload, rssi: Math.floor(reception.rssi / 10), snr: reception.snr / 10, frequency: u.frequency, datarate: u.datarate };
          emit({ type: 'packet', at: clock.now(), address: a.view.address, behaviour: a.view.behaviour, bytes: u.payload.byteLength, source: u.source });
          publish(a, 'carried', () => a.hotspot.packet(packet, reception.heardAtMs), () => {
            actorCounts.packets++;
          });
        });
      }
    }
    return heard.size;
  }

  function control(a: Actor): ActorControl {
    return {
      clock, rng: a.rng, view: a.view, region: scenario.region,
      after,
      track,
      connect: () => a.hotspot.connect(),
      disconnect: () => a.hotspot.disconnect(),
      ownDevAddr: farmerDevAddr.get(a.pop.index) ?? null,
      publishPacket: async (p) => {
        emit({ type: 'packet', at: clock.now(), address: a.view.address, behaviour: a.view.behaviour, bytes: p.payload.byteLength, source: 'own' });
        publish(a, 'packets', () => a.hotspot.packet(p));
      },
      count: (counter) => {
        a.stats[counter]++;
      },
      stopping: () => stopping,
    };
  }

  async function disconnectAll(list: Actor[]): Promise<void> {
    await mapLimit(list, START_CONCURRENCY * 4, async (a) => {
      try {
        await a.hotspot.disconnect();
      } catch (err) {
        log.warn({ address: a.view.address, err: (err as Error).message }, 'sim.hotspot.disconnect-failed');
      }
    });
  }

  const truthNow = (endMs: number): Truth => buildTruth(scenario, population, { startMs, endMs, speed });

  function stats(): ScenarioStats {
    for (const s of Object.values(byBehaviour)) s.connected = 0;
    for (const a of actors) if (a.hotspot.connected) byBehaviour[a.view.behaviour].connected++;
    const totals = newStats();
    for (const s of Object.values(byBehaviour)) for (const k of Object.keys(totals) as (keyof BehaviourStats)[]) totals[k] += s[k];
    const held = actors.filter((a) => a.hotspot.connected).map((a) => a.hotspot.entropy?.timestamp ?? null);
    const latestS = held.reduce<number | null>((m, t) => (t !== null && (m === null || t > m) ? t : m), null);
    return {
      entropy: { latestS, behind: held.filter((t) => t !== latestS).length },
      scenario: scenario.name,
      elapsedMs: live ? Math.max(0, Math.min(durationMs, (endedMs ?? clock.now()) - startMs)) : 0,
      durationMs, onboarded, totals,
      byBehaviour: structuredClone(byBehaviour), rejectedByReason: { ...rejectedByReason }, actors: { ...actorCounts },
    };
  }

  async function stopRun(): Promise<void> {
    stopping = true;
    if (endHandle !== null) timers.clearTimeout(endHandle);
    endHandle = null;
    if (progressTimer) clearInterval(progressTimer);
    progressTimer = null;
    for (const loop of loops) loop.stop();
    loops = [];
    actorsRuntime?.stop();
    actorsRuntime = null;
    for (const handle of pending) timers.clearTimeout(handle);
    pending.clear();
    // Disconnecting ends each client after its in-flight reports, so those settle too.
    await disconnectAll(actors);
    await Promise.allSettled([...inflight]);
    // A reconnect that was under way when the run stopped has finished by now: end it too.
    await disconnectAll(actors.filter((a) => a.hotspot.connected));
    const endMs = clock.now();
    endedMs = endMs;
    log.info({ scenario: scenario.name, ...stats().totals }, 'sim.scenario.stopped');
    running = false;
    if (opts.truthPath) await writeTruth(opts.truthPath, truthNow(endMs));
  }

  const orgByRole: Partial<Record<'mappers' | 'sensors' | 'farmers', ProvisionedOrg>> = {};
  /** DevAddr of each DC farmer's own device (from the farmers' organisation). */
  const farmerDevAddr = new Map<number, number>();
  async function provision(): Promise<void> {
    const farmers = population.hotspots.filter((h) => h.behaviour === 'dc_farmer');
    const { mappers, devices } = scenario.actors;
    if (opts.provisionOrgs === false || mappers.count + devices.count + farmers.length === 0) return;
    const dc = opts.orgDc ?? DEFAULT_ORG_DC;
    const plans: ['mappers' | 'sensors' | 'farmers', OrgPlan][] = [
      ['mappers', { name: `${scenario.name}-${scenario.seed} mappers`, multiBuy: MAPPER_MULTI_BUY, devices: mappers.count, dc }],
      ['sensors', { name: `${scenario.name}-${scenario.seed} sensors`, multiBuy: 1, devices: devices.count, dc }],
      ['farmers', { name: `${scenario.name}-${scenario.seed} farm`, multiBuy: 1, devices: farmers.length, dc }],
    ];
    for (const [role, plan] of plans) {
      if (plan.devices === 0) continue;
      orgByRole[role] = await provisionOrg(opts.apiUrl, plan, { ...(opts.adminToken ? { adminToken: opts.adminToken } : {}), log });
    }
    farmers.forEach((h, i) => farmerDevAddr.set(h.index, orgByRole.farmers!.devAddrs[i]!));
  }

  const run: ScenarioRun = {
    name: `hotspot-sim:${scenario.name}`,
    orgs: () => Object.values(orgByRole),
    population,
    finished,

    async start() {
      if (running || stopped) throw new Error('a scenario run starts once');
      running = true;
      log.info({ scenario: scenario.name, hotspots: population.hotspots.length, radios: air.radios.length, region: scenario.region, durationMs, seed: scenario.seed }, 'sim.scenario.starting');
      try {
        await mapLimit(population.hotspots, START_CONCURRENCY, async (h) => {
          await registry.onboard(h.key, h.owner, Math.floor(clock.now() / 1000));
          // ms as the nonce: always above the previous run's, so a restart reasserts in place.
          await registry.assert(h.key.address, h.owner, {
            nonce: clock.now(), location: h.asserted.cell, region: scenario.region, gain: h.assertedGain, elevation: h.assertedElevation, capability: 'full',
          });
          onboarded++;
        });
        actors = population.hotspots.map((h) => {
          const radio = air.radios[h.radio]!;
          const view = views.get(h.index)!;
          const stats = byBehaviour[h.behaviour];
          const actor: Actor = {
            pop: h, module: BEHAVIOUR_MODULES[h.behaviour], view, radio, rng: root.fork('actor', h.index), stats,
            hotspot: new SimHotspot({
              key: h.key, owner: h.owner, position: h.asserted, antenna: { gain: h.assertedGain, elevation: h.assertedElevation }, region: scenario.region,
              links, clock, log, rng: root.fork('hotspot', h.index), tmstOffset: radio.pop.tmstOffset, logRejections: false,
              onRejected: (r) => {
                log.warn({ address: h.key.address, ...r }, 'sim.hotspot.rejected');
                stats.rejected++;
                rejectedByReason[r.reason] = (rejectedByReason[r.reason] ?? 0) + 1;
              },
            }),
          };
          // Hotspots that never connect hear nothing worth simulating.
          if (actor.module.connects !== false) onRadio.get(radio)!.push(actor);
          return actor;
        });
        await mapLimit(actors.filter((a) => a.module.connects !== false), START_CONCURRENCY, (a) => a.hotspot.connect());
        await provision();
        // The run (and its duration) starts once the fleet is up: onboarding 200 hotspots can take
        // hours of an accelerated clock.
        startMs = clock.now();
        live = true;
        if (opts.truthPath) await writeTruth(opts.truthPath, truthNow(startMs + durationMs));
      } catch (err) {
        stopping = true;
        await disconnectAll(actors);
        actors = [];
        running = false;
        stopped = Promise.resolve();
        rejectFinished(err);
        throw err;
      }

      for (const a of actors) {
        if (a.module.connects === false) continue;
        const periodMs = a.module.beaconPeriodMs?.(a.view.knobs) ?? beaconIntervalMs;
        loops.push(startBeaconLoop({
          clock, timers, rng: root.fork('schedule', a.view.address), intervalMs: periodMs,
          onBeacon: (plannedAt) => {
            const p = beaconOnce(a, plannedAt, periodMs);
            track(p);
            return p.catch(() => null);
          },
        }));
        a.module.start?.(control(a));
      }
      actorsRuntime = startActors(scenario, population.area, {
        clock, after, rng: root.fork('actors'), carry: carryUplink, stopping: () => stopping,
        ...(orgByRole.mappers ? { mapperDevAddrs: orgByRole.mappers.devAddrs } : {}),
        ...(orgByRole.sensors ? { deviceDevAddrs: orgByRole.sensors.devAddrs } : {}),
      });

      const endAt = startMs + durationMs;
      const armEnd = (): void => {
        endHandle = null;
        if (stopping) return;
        const wait = endAt - clock.now();
        if (wait <= 0) {
          void run.stop().catch(() => undefined);
          return;
        }
        endHandle = timers.setTimeout(armEnd, Math.min(MAX_TIMER_MS, wait));
      };
      armEnd();
      if (opts.onProgress) {
        const report = opts.onProgress;
        progressTimer = setInterval(() => report(stats()), opts.progressIntervalMs ?? 1_000);
        progressTimer.unref();
      }
      log.info({ scenario: scenario.name, connected: actors.filter((a) => a.hotspot.connected).length }, 'sim.scenario.started');
    },

    stop() {
      if (stopped) return stopped;
      if (!running) return Promise.resolve();
      stopped = stopRun().then(resolveFinished, (err) => {
        rejectFinished(err);
        throw err;
      });
      return stopped;
    },

    stats,
    truth: () => truthNow(endedMs ?? (running ? clock.now() : startMs + durationMs)),
    async settled() {
      while (inflight.size > 0) await Promise.allSettled([...inflight]);
    },
  };
  return run;
}
