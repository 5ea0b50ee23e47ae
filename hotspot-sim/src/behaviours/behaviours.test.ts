import { describe, expect, it } from 'vitest';
import { ManualClock } from '@hexlight/kit';
import type { PacketUplink, SimBeacon } from '../hotspot.ts';
import { createRng } from '../rng.ts';
import { BEHAVIOUR_MODULES, SCENARIO_BEHAVIOURS, type ActorControl, type ActorView, type Reception } from './index.ts';
import { BEHAVIOURS } from '../score/truth.ts';

// The hooks alone, without a network: what each behaviour does to a reception, a beacon, a clock.

const reception: Reception = { rssi: -1052, snr: 65, latencyMs: 180, heardAtMs: 1_000_000 };
const view = (over: Partial<ActorView>): ActorView => ({
  address: '1a', behaviour: 'honest', knobs: {}, asserted: { lat: 38.72, lng: -9.14, cell: '8c393362a2c1dff' }, assertedGain: 23, radioId: 0, ...over,
});
const beacon = { data: new Uint8Array(51), frequency: 867_100_000, datarate: 0, sf: 12, bandwidthHz: 125_000, txPower: 13, reportedTxPower: 13, gain: 23, sentAt: 1_000_000 } as unknown as SimBeacon;

describe('behaviour modules', () => {
  it('cover exactly the behaviours of the truth format, honest and the two faults not cheating', () => {
    expect(Object.keys(BEHAVIOUR_MODULES).sort()).toEqual([...BEHAVIOURS].sort());
    expect(SCENARIO_BEHAVIOURS).not.toContain('honest');
    for (const [name, m] of Object.entries(BEHAVIOUR_MODULES)) expect(m.cheater).toBe(!['honest', 'offline', 'flaky'].includes(name));
  });

  it('honest, spoofer and shared radio report what the radio measured, after the latency', () => {
    for (const b of ['honest', 'spoofer', 'shared_radio'] as const) expect(BEHAVIOUR_MODULES[b].report).toBeUndefined();
  });

  it('the RSSI forger adds its bias to the signal, not to the SNR, and claims more power', () => {
    const f = BEHAVIOUR_MODULES.rssi_forger;
    expect(f.report!({ rssiBiasDb: 30, gainLieDbi: 0, txPowerLieDb: 6 }, reception, createRng(1))).toEqual({ signal: -752, snr: 65, delayMs: 180, receivedAtMs: 1_000_000, physical: true });
    expect(f.reportedTxPower!({ txPowerLieDb: 6 }, 13)).toBe(19);
    const setup = f.setup({ rng: createRng(2), settings: { share: 1, rssiBiasDb: 30, gainLieDbi: 20, txPowerLieDb: 0 }, region: 'EU868', beaconIntervalS: 21_600, trueGain: 23 });
    expect(setup.assertedGain).toBe(161); // 2.3 + 20 dBi, capped at EU868's 16.1 dBm max EIRP
    expect(setup.knobs).toMatchObject({ rssiBiasDb: 30, gainLieDbi: 13.8 });
  });

  it('the late replayer adds its delay', () => {
    expect(BEHAVIOUR_MODULES.late_replayer.report!({ replayDelayMs: 9_000 }, reception, createRng(1))).toMatchObject({ delayMs: 9_180, receivedAtMs: 1_000_000 });
  });

  it('a ring member invents a witness only of a fellow member\'s beacon it did not hear: relayed late, under the bound', () => {
    const ring = BEHAVIOUR_MODULES.ring;
    const knobs = { cliqueId: 'ring-1', size: 3, minSpacingKm: 5, relayDelayMs: 2_000, fakeRssiMarginDb: 10 };
    const self = view({ behaviour: 'ring', knobs });
    const seen = { beacon, latencyMs: 150, assertedDistanceM: 20_000, rng: createRng(3) };
    expect(ring.fabricate!(self, { ...seen, beaconer: view({ behaviour: 'ring', knobs }), heard: true })).toBeNull();
    expect(ring.fabricate!(self, { ...seen, beaconer: view({ behaviour: 'ring', knobs: { ...knobs, cliqueId: 'ring-2' } }), heard: false })).toBeNull();
    expect(ring.fabricate!(self, { ...seen, beaconer: view({ behaviour: 'honest' }), heard: false })).toBeNull();
    const plan = ring.fabricate!(self, { ...seen, beaconer: view({ behaviour: 'ring', knobs }), heard: false })!;
    // 13 dBm + 2 + 2 − FSPL(20 km, 867.1 MHz) = −100.2 dBm bound; 10 dB under it.
    expect(plan).toMatchObject({ delayMs: 2_150, receivedAtMs: 1_002_000, physical: false });
    expect(plan.signal).toBe(-1103);
  });

  it('the spammer beacons once per its period; shared radios and rings come in groups', () => {
    expect(BEHAVIOUR_MODULES.beacon_spammer.beaconPeriodMs!({ beaconPeriodS: 3_600 })).toBe(3_600_000);
    expect(BEHAVIOUR_MODULES.shared_radio.groups).toMatchObject({ kind: 'radio' });
    expect(BEHAVIOUR_MODULES.ring.groups).toMatchObject({ kind: 'clique' });
    expect(BEHAVIOUR_MODULES.offline.connects).toBe(false);
  });

  it('flaky hotspots go offline and come back on the clock; dc farmers send max-length uplinks', async () => {
    const timers: { at: number; fn: () => void }[] = [];
    const clock = new ManualClock(0);
    const calls: string[] = [];
    const packets: PacketUplink[] = [];
    const control = (knobs: Record<string, unknown>): ActorControl => ({
      clock, rng: createRng(4), view: view({ knobs }), region: 'EU868',
      after: (ms, fn) => timers.push({ at: clock.now() + ms, fn }),
      track: () => undefined,
      connect: async () => void calls.push('connect'),
      disconnect: async () => void calls.push('disconnect'),
      ownDevAddr: 0x48_00_00_2a,
      publishPacket: async (p) => void packets.push(p),
      count: (c) => void calls.push(c),
      stopping: () => false,
    });
    const runFor = async (ms: number) => {
      const end = clock.now() + ms;
      for (;;) {
        timers.sort((a, b) => a.at - b.at);
        const next = timers[0];
        if (!next || next.at > end) break;
        timers.shift();
        clock.set(next.at);
        next.fn();
        await new Promise((r) => setImmediate(r));
      }
    };
    BEHAVIOUR_MODULES.flaky.start!(control({ onlineS: 100, offlineS: 50 }));
    await runFor(320_000);
    // Online 100 s, away 50 s: down at 100 and 250, back at 150 and 300.
    expect(calls).toEqual(['disconnects', 'disconnect', 'reconnects', 'connect', 'disconnects', 'disconnect', 'reconnects', 'connect']);
    timers.length = 0;
    BEHAVIOUR_MODULES.dc_farmer.start!(control({ packetPeriodS: 60, payloadBytes: 222 }));
    await runFor(600_000);
    expect(packets).toHaveLength(10);
    for (const [i, p] of packets.entries()) {
      expect(p.payload.byteLength).toBe(222);
      expect(p.payload[0]).toBe(0x40); // unconfirmed data up
      const frame = new DataView(p.payload.buffer, p.payload.byteOffset);
      expect(frame.getUint32(1, true)).toBe(0x48_00_00_2a); // its own device, in its organisation's range
      expect(frame.getUint16(6, true)).toBe(i); // FCnt counts up
      expect(p.frequency).toBeGreaterThanOrEqual(867_100_000);
    }
  });
});
