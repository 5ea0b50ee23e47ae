import { regionParams } from '@hexlight/protocol';
import { drawDist } from '../scenario/dist.ts';
import { knobDist, knobNumber, type BehaviourModule } from './types.ts';

// Data-credit farming (sim-perf.md §5 #9): besides beaconing and witnessing honestly, it reports
// carrying packets from devices of its own: max-length uplinks nobody needs, every
// `packetPeriodS`, to be paid for data. They go out as `packet` reports (spec/wire.md §3); until
// the data path exists the ingest refuses them (`wrong_topic`), which the run counts.

/** MHDR of an unconfirmed data uplink (LoRaWAN 1.0.x §4.2). */
const UNCONFIRMED_DATA_UP = 0x40;

export const dcFarmer: BehaviourModule = {
  name: 'dc_farmer',
  cheater: true,
  summary: 'reports carrying useless `payloadBytes`-long uplinks every `packetPeriodS` (`packet` reports)',
  knobs: {
    packetPeriodS: {
      kind: 'dist', per: 'event', default: { dist: 'exponential', mean: 300, min: 5 }, rule: { min: 1 }, unit: 's',
      doc: 'time between two packets',
    },
    payloadBytes: { kind: 'int', default: 222, rule: { min: 12, max: 255, integer: true }, doc: 'LoRaWAN PHYPayload length (222: the EU868 maximum)' },
  },
  setup: ({ settings }) => ({ knobs: { packetPeriodS: settings.packetPeriodS, payloadBytes: settings.payloadBytes } }),
  start(control) {
    const next = (): void => {
      if (control.stopping()) return;
      control.after(Math.round(drawDist(knobDist(control.view.knobs, 'packetPeriodS'), control.rng) * 1000), send);
    };
    const send = (): void => {
      if (control.stopping()) return;
      const payload = control.rng.bytes(knobNumber(control.view.knobs, 'payloadBytes'));
      const channels = regionParams(control.region).channels;
      payload[0] = UNCONFIRMED_DATA_UP;
      control.track(control.publishPacket({
        payload, rssi: -40 - control.rng.int(50), snr: 5 + control.rng.int(40) / 4, frequency: channels[control.rng.int(channels.length)]!.frequency, datarate: 'SF7BW125',
      }));
      next();
    };
    next();
  },
};
