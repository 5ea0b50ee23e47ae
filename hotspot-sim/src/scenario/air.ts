import { drawLatencyMs } from '../backhaul.ts';
import type { Reception } from '../behaviours/index.ts';
import { distanceM } from '../placement.ts';
import { canHear, linkShadowDb, measuredSnr, PATH_LOSS_PROFILES, rssiForLoss, siteLossDb, snrFor, type LinkModel, type RadioSite } from '../radio.ts';
import type { Rng } from '../rng.ts';
import { createShadowingField } from '../shadowing.ts';
import type { Scenario } from './format.ts';
import type { Population, PopulationRadio } from './population.ts';

// The air between a scenario's radios: the link model of radio.ts over the scenario's sites, with
// one correlated shadowing field for the whole area. Given a transmission, it says which radios
// receive it, at what RSSI and SNR, and how long each one's backhaul takes to report it.

/** Anything on the air: a hotspot's radio, a mapper, a sensor. */
export interface Transmitter {
  id: string;
  position: { lat: number; lng: number };
  site: RadioSite;
}

export interface AirRadio extends Transmitter {
  pop: PopulationRadio;
}

export interface Transmission {
  /** Conducted power really used, dBm. */
  txPowerDbm: number;
  frequency: number;
  sf: number;
  bandwidthHz: number;
  /** Clock ms on the air. */
  atMs: number;
}

export interface Air {
  readonly radios: readonly AirRadio[];
  readonly model: LinkModel;
  /** Every radio but `from` that demodulates the transmission, with what it measured. */
  receptions(from: Transmitter, t: Transmission): Map<AirRadio, Reception>;
  /** A transmitter that is not a hotspot (a mapper, a sensor), at `position`. */
  transmitter(id: string, position: { lat: number; lng: number }, gainDbi10: number): Transmitter;
  /** One report's backhaul latency from `radio`, ms. */
  latencyMs(radio: AirRadio): number;
}

export function createAir(scenario: Scenario, population: Population, rng: Rng): Air {
  const model: LinkModel = {
    profile: PATH_LOSS_PROFILES[scenario.radio.profile]!,
    fieldSigmaDb: scenario.radio.fieldSigmaDb,
    linkSigmaDb: scenario.radio.linkSigmaDb,
    fadingSigmaDb: scenario.radio.fadingSigmaDb,
    correlationDistanceM: scenario.radio.correlationDistanceM,
    snrNoiseDb: scenario.radio.snrNoiseDb,
  };
  const field = createShadowingField(`shadowing:${scenario.name}:${scenario.seed}`, model.correlationDistanceM);
  const fieldAt = (p: { lat: number; lng: number }) => {
    const local = population.area.toLocal(p);
    return field.at(local.x, local.y);
  };
  const fading = rng.fork('fading');
  const snrNoise = rng.fork('snr-noise');
  const latency = new Map<AirRadio, Rng>();
  const radios: AirRadio[] = population.radios.map((pop) => {
    const radio = { pop, id: `radio-${pop.index}`, position: pop.position, site: { gain: pop.gain, indoorLossDb: pop.indoorLossDb, field: fieldAt(pop.position) } };
    latency.set(radio, rng.fork('latency', pop.index));
    return radio;
  });

  const latencyMs = (radio: AirRadio) => drawLatencyMs(scenario.backhaul[radio.pop.backhaul], latency.get(radio)!);

  return {
    radios,
    model,
    latencyMs,
    receptions(from, t) {
      const heard = new Map<AirRadio, Reception>();
      for (const r of radios) {
        if (r === from) continue;
        const loss = siteLossDb(model, from.site, r.site, distanceM(from.position, r.position), t.frequency, linkShadowDb(scenario.seed, from.id, r.id, 1), fading.gaussian());
        const rssi = rssiForLoss(t.txPowerDbm, from.site.gain, r.site.gain, loss);
        const snr = snrFor(rssi, t.bandwidthHz);
        if (!canHear(rssi, snr, t.sf)) continue;
        heard.set(r, { rssi, snr: measuredSnr(snr, snrNoise.gaussian(), model.snrNoiseDb), latencyMs: latencyMs(r), heardAtMs: t.atMs });
      }
      return heard;
    },
    transmitter: (id, position, gainDbi10) => ({ id, position, site: { gain: gainDbi10, indoorLossDb: 0, field: fieldAt(position) } }),
  };
}
