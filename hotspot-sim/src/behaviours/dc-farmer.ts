import { regionParams } from '@hexlight/protocol';
import { dataUplink } from '../scenario/actors.ts';
import { drawDist } from '../scenario/dist.ts';
import { knobDist, knobNumber, type BehaviourModule } from './types.ts';

// Data-credit farming (sim-perf.md §5 #9): besides beaconing and witnessing honestly, it reports
// carrying packets from a device of its own: max-length uplinks nobody needs, every
// `packetPeriodS`, reported as `packet` reports (spec/wire.md §3) only it publishes (the frames are
// never on the air). Its device belongs to an organisation that buys DC (the run provisions one),
// so the network buys the copies and pays the farmer data rewards: the attack is economic, and the
// data pool's cap at the DC burned is the defence. Without an organisation its DevAddr is random
// and the network refuses the packets (`unknown_devaddr`).

/** MHDR + DevAddr + FCtrl + FCnt + FPort + MIC around the FRMPayload. */
const FRAME_OVERHEAD = 13;

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
    const devAddr = control.ownDevAddr ?? control.rng.int(0x1_0000_0000);
    let fcnt = 0;
    const next = (): void => {
      if (control.stopping()) return;
      control.after(Math.round(drawDist(knobDist(control.view.knobs, 'packetPeriodS'), control.rng) * 1000), send);
    };
    const send = (): void => {
      if (control.stopping()) return;
      const payload = dataUplink(devAddr, fcnt++ & 0xffff, control.rng.bytes(knobNumber(control.view.knobs, 'payloadBytes') - FRAME_OVERHEAD));
      const channels = regionParams(control.region).channels;
      control.track(control.publishPacket({
        payload, rssi: -40 - control.rng.int(50), snr: 5 + control.rng.int(40) / 4, frequency: channels[control.rng.int(channels.length)]!.frequency, datarate: 'SF7BW125',
      }));
      next();
    };
    next();
  },
};
