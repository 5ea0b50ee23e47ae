import type { Clock, Logger } from '@hexlight/kit';
import {
  ENTROPY_TOPIC, dataRateValue, decodeEntropy, deriveBeacon, encodeSignedReport, helium, hotspotTopic, makeConnectPassword,
  type EntropyReport, type HotspotKey, type RegionName, type SolanaWallet,
} from '@hexlight/protocol';
import type { Antenna } from './antenna.ts';
import type { HotspotLink, LinkFactory } from './link.ts';
import type { Position } from './placement.ts';
import { parseDataRate } from './radio.ts';
import type { Rng } from './rng.ts';

// One simulated hotspot: what gateway-rs does on a real one, minus the radio. It holds its key and
// owner, keeps the latest network entropy, builds beacons exactly as spec/regions.md §3 says and
// publishes signed reports (spec/wire.md). Propagation between hotspots is the fleet's job.

export const LOCAL_ENTROPY_BYTES = 4;

/** A beacon as transmitted: what witnesses copy and what the fleet's radio model needs. */
export interface SimBeacon {
  beaconer: string;
  data: Uint8Array;
  /** Hz */
  frequency: number;
  /** helium.data_rate enum value */
  datarate: number;
  sf: number;
  bandwidthHz: number;
  /** Conducted power, dBm: what the radio really transmitted. */
  txPower: number;
  /** The report's tx_power, dBm: `txPower` unless the hotspot lies about it. */
  reportedTxPower: number;
  /** Beaconer's antenna gain, dBi × 10. */
  gain: number;
  /** Hotspot clock at transmission, ms. */
  sentAt: number;
  /** The signed lora_beacon_report_req_v1 as published. */
  payload: Uint8Array;
}

export interface SimHotspotInit {
  key: HotspotKey;
  owner: SolanaWallet;
  position: Position;
  antenna: Antenna;
  region: RegionName;
  links: LinkFactory;
  clock: Clock;
  log: Logger;
  /** This hotspot's own stream (local entropy, tmst offset). */
  rng: Rng;
  /** Origin of the concentrator's µs counter; default drawn from `rng`. Keys sharing one radio share it. */
  tmstOffset?: number;
  /** Told about each report the network refused (`hotspot/<addr>/rejected`). */
  onRejected?: (rejection: Rejection) => void;
  /** Log each refusal as `sim.hotspot.rejected` (warn); default true. Off when `onRejected` logs them itself. */
  logRejections?: boolean;
}

/** An uplink a hotspot heard and reports carrying. */
export interface PacketUplink {
  /** The LoRaWAN PHYPayload. */
  payload: Uint8Array;
  /** dBm */
  rssi: number;
  /** dB */
  snr: number;
  /** Hz */
  frequency: number;
  /** helium.data_rate name, e.g. SF7BW125 */
  datarate: string;
}

export interface Rejection {
  topic: string;
  id: string;
  reason: string;
}

export class SimHotspot {
  readonly key: HotspotKey;
  readonly owner: SolanaWallet;
  readonly position: Position;
  readonly antenna: Antenna;
  readonly region: RegionName;
  private readonly init: SimHotspotInit;
  private link: HotspotLink | null = null;
  private latestEntropy: EntropyReport | null = null;
  private entropyWaiters: ((e: EntropyReport | null) => void)[] = [];
  private closed = false;
  /** Concentrator counter origin: tmst is a free-running µs counter, different on each radio. */
  private readonly tmstOffset: number;

  constructor(init: SimHotspotInit) {
    this.init = init;
    this.key = init.key;
    this.owner = init.owner;
    this.position = init.position;
    this.antenna = init.antenna;
    this.region = init.region;
    const drawn = init.rng.int(0x1_0000_0000);
    this.tmstOffset = init.tmstOffset ?? drawn;
  }

  get address(): string {
    return this.key.address;
  }

  get connected(): boolean {
    return this.link?.connected ?? false;
  }

  /** The last entropy received on `network/entropy`, or null before the first. */
  get entropy(): EntropyReport | null {
    return this.latestEntropy;
  }

  /** Connects (wire.md §2), publishes retained `online`, subscribes to entropy and rejections. */
  async connect(): Promise<void> {
    if (this.link) return;
    this.closed = false;
    const state = hotspotTopic(this.address, 'state');
    const link = await this.init.links({
      address: this.address,
      password: () => makeConnectPassword(this.key, Math.floor(this.init.clock.now() / 1000)),
      will: { topic: state, payload: 'offline', qos: 1, retain: true },
      onError: (err) => this.init.log.warn({ address: this.address, err: err.message }, 'sim.hotspot.mqtt-error'),
    });
    this.link = link;
    link.onMessage((topic, payload) => this.onMessage(topic, payload));
    link.onReconnect(() => {
      link.publish(state, 'online', { qos: 1, retain: true }).catch((err: Error) => this.init.log.warn({ address: this.address, err: err.message }, 'sim.hotspot.state-failed'));
    });
    await link.subscribe({ [ENTROPY_TOPIC]: { qos: 1 }, [hotspotTopic(this.address, 'rejected')]: { qos: 0 } });
    await link.publish(state, 'online', { qos: 1, retain: true });
  }

  /** Publishes retained `offline` and disconnects cleanly; pending entropy waits resolve to null. */
  async disconnect(): Promise<void> {
    this.closed = true;
    this.flushEntropyWaiters(null);
    const link = this.link;
    this.link = null;
    if (!link) return;
    try {
      if (link.connected) await link.publish(hotspotTopic(this.address, 'state'), 'offline', { qos: 1, retain: true });
    } finally {
      await link.end();
    }
  }

  /** The latest entropy, waiting for the first one; null if the hotspot disconnects first. */
  waitForEntropy(): Promise<EntropyReport | null> {
    if (this.latestEntropy) return Promise.resolve(this.latestEntropy);
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => this.entropyWaiters.push(resolve));
  }

  /**
   * Builds and signs a beacon from `entropy` (regions.md §3); pure apart from the clock default.
   * `reportTxPower` turns the conducted power into the tx_power the report claims (a cheat; default: the truth).
   */
  makeBeacon(entropy: EntropyReport, localEntropy: Uint8Array, nowMs: number = this.init.clock.now(), reportTxPower?: (conductedDbm: number) => number): SimBeacon {
    const derived = deriveBeacon({ remoteEntropy: entropy, localEntropy, region: this.region, gain: this.antenna.gain });
    const rate = parseDataRate(derived.datarate);
    if (!rate) throw new RangeError(`unexpected beacon datarate ${derived.datarate}`);
    const reportedTxPower = reportTxPower ? reportTxPower(derived.conductedPower) : derived.conductedPower;
    const { payload } = encodeSignedReport('beacon', {
      pubKey: this.key.keyBinary,
      localEntropy,
      remoteEntropy: entropy.data,
      data: derived.data,
      frequency: derived.frequency,
      // gateway-rs / helium/proto leave channel at 0; the verifier ignores it.
      channel: 0,
      datarate: derived.datarateValue,
      txPower: reportedTxPower,
      timestamp: nanos(nowMs),
      tmst: this.tmst(nowMs),
    }, this.key.privateKey);
    return {
      beaconer: this.address, data: derived.data, frequency: derived.frequency, datarate: derived.datarateValue,
      sf: rate.sf, bandwidthHz: rate.bandwidthHz, txPower: derived.conductedPower, reportedTxPower, gain: this.antenna.gain, sentAt: nowMs, payload,
    };
  }

  /** A beacon from the latest entropy and fresh local entropy; null before any entropy arrived. */
  prepareBeacon(reportTxPower?: (conductedDbm: number) => number): SimBeacon | null {
    const entropy = this.latestEntropy;
    if (!entropy) return null;
    return this.makeBeacon(entropy, this.init.rng.bytes(LOCAL_ENTROPY_BYTES), this.init.clock.now(), reportTxPower);
  }

  /** Publishes a prepared beacon report at QoS 1 (resolves on PUBACK). */
  async publishBeacon(beacon: SimBeacon): Promise<void> {
    await this.requireLink().publish(hotspotTopic(this.address, 'beacon'), beacon.payload, { qos: 1 });
  }

  /** Waits for entropy, then builds and publishes a beacon; null if disconnected before entropy came. */
  async beacon(): Promise<SimBeacon | null> {
    if (!(await this.waitForEntropy())) return null;
    const beacon = this.prepareBeacon();
    if (!beacon) return null;
    await this.publishBeacon(beacon);
    return beacon;
  }

  /** The signed witness report for `beacon` heard at `rssi` (dBm × 10) and `snr` (dB × 10). */
  makeWitness(beacon: Pick<SimBeacon, 'data' | 'frequency' | 'datarate'>, rssi: number, snr: number, receivedAtMs: number = this.init.clock.now()): Uint8Array {
    return encodeSignedReport('witness', {
      pubKey: this.key.keyBinary,
      data: beacon.data,
      timestamp: nanos(receivedAtMs),
      tmst: this.tmst(receivedAtMs),
      signal: rssi,
      snr,
      frequency: beacon.frequency,
      datarate: beacon.datarate,
    }, this.key.privateKey).payload;
  }

  /** Publishes a witness of `beacon` at QoS 1 (resolves on PUBACK). */
  async witness(beacon: Pick<SimBeacon, 'data' | 'frequency' | 'datarate'>, rssi: number, snr: number, receivedAtMs?: number): Promise<void> {
    await this.publishWitness(this.makeWitness(beacon, rssi, snr, receivedAtMs));
  }

  /** Publishes a witness report signed earlier by makeWitness, at QoS 1 (resolves on PUBACK). */
  async publishWitness(payload: Uint8Array): Promise<void> {
    await this.requireLink().publish(hotspotTopic(this.address, 'witness'), payload, { qos: 1 });
  }

  /**
   * The signed `packet_router_packet_up_v1` for an uplink this hotspot carried (spec/wire.md §3):
   * rssi dBm, snr dB, timestamp ms (helium/proto's units for packets).
   */
  makePacket(p: PacketUplink, receivedAtMs: number = this.init.clock.now()): Uint8Array {
    const datarate = dataRateValue(p.datarate);
    if (datarate === undefined) throw new RangeError(`unknown datarate ${p.datarate}`);
    return encodeSignedReport('packet', {
      payload: p.payload,
      timestamp: BigInt(Math.floor(receivedAtMs)),
      rssi: Math.round(p.rssi),
      frequency: p.frequency,
      datarate,
      snr: p.snr,
      region: (helium.region as unknown as Record<string, number>)[this.region]!,
      gateway: this.key.keyBinary,
    }, this.key.privateKey).payload;
  }

  /** Publishes a packet report at QoS 1 (resolves on PUBACK; the ingest may still refuse it). */
  async packet(p: PacketUplink, receivedAtMs?: number): Promise<void> {
    await this.requireLink().publish(hotspotTopic(this.address, 'packet'), this.makePacket(p, receivedAtMs), { qos: 1 });
  }

  private requireLink(): HotspotLink {
    if (!this.link) throw new Error(`hotspot ${this.address} is not connected`);
    return this.link;
  }

  private tmst(ms: number): number {
    return (this.tmstOffset + Math.floor(ms * 1000)) % 0x1_0000_0000;
  }

  private onMessage(topic: string, payload: Uint8Array): void {
    if (topic === ENTROPY_TOPIC) {
      try {
        this.latestEntropy = decodeEntropy(payload);
      } catch (err) {
        this.init.log.warn({ address: this.address, err: (err as Error).message }, 'sim.hotspot.entropy-malformed');
        return;
      }
      this.flushEntropyWaiters(this.latestEntropy);
      return;
    }
    if (topic === hotspotTopic(this.address, 'rejected')) {
      let rejection: Rejection;
      try {
        const body = JSON.parse(Buffer.from(payload).toString('utf8')) as Partial<Rejection>;
        rejection = { topic: String(body.topic ?? ''), id: String(body.id ?? ''), reason: String(body.reason ?? 'unknown') };
      } catch {
        rejection = { topic: '', id: '', reason: 'unparseable_rejection' };
      }
      if (this.init.logRejections !== false) this.init.log.warn({ address: this.address, ...rejection }, 'sim.hotspot.rejected');
      this.init.onRejected?.(rejection);
    }
  }

  private flushEntropyWaiters(value: EntropyReport | null): void {
    const waiters = this.entropyWaiters;
    this.entropyWaiters = [];
    for (const w of waiters) w(value);
  }
}

function nanos(ms: number): bigint {
  return BigInt(Math.floor(ms)) * 1_000_000n;
}
