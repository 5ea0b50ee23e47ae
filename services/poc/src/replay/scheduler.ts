import { bytesToHex } from '@hexlight/protocol';
import { MinHeap } from '../heap.ts';
import { verifyAndApply } from '../step.ts';
import type { Ruleset } from '../verifier/checks.ts';
import { ENTROPY_LIFESPAN_S } from '../verifier/constants.ts';
import { ReplayInputError, ReportMalformed } from '../verifier/errors.ts';
import { createHexDensityCache, type HexDensityMap } from '../verifier/hex-density.ts';
import { byArrival, hasValidSignature, toReportIn } from '../verifier/report.ts';
import type { PocFeed, PocState } from '../verifier/state.ts';
import type { BeaconIn, WitnessIn } from '../verifier/types.ts';
import type { ReplayEvent } from './events.ts';
import { badSignatureBeaconLine, beaconLine, orphanLine, sortLines, type OutputLine } from './output.ts';

// The replay loop (spec/poc-replay.md "Semantics"): events in file order drive a replay clock
// (the largest received_ms / at_ms read so far); a beacon is verified once the clock passes its
// entropy's timestamp + 180 s, or at end of file, in ready order (deadline, received_ms, id),
// taking every witness with the same data read by then. Each PoC goes through verifyAndApply,
// the step a live runner repeats too, over whatever PocState it is given.

interface Pending {
  beacon: BeaconIn;
  deadlineMs: number;
}

const readyFirst = (a: Pending, b: Pending): boolean =>
  a.deadlineMs < b.deadlineMs || (a.deadlineMs === b.deadlineMs && byArrival(a.beacon, b.beacon) < 0);

export interface ReplaySchedulerDeps {
  state: PocState & PocFeed;
  rules: Ruleset;
  /** Add `evidence` to every verdict in the output. */
  explain?: boolean;
  /** Non-fatal oddities (a report delivered twice, a repeated entropy). */
  warn?: (message: string) => void;
}

export class ReplayScheduler {
  private clockMs = Number.NEGATIVE_INFINITY;
  private readonly ready = new MinHeap<Pending>(readyFirst);
  /** Beacons whose entropy has not been read (yet), by entropy data. */
  private readonly awaitingEntropy = new Map<string, BeaconIn[]>();
  /** Witnesses not yet claimed by a beacon, by beacon data. */
  private readonly pool = new Map<string, WitnessIn[]>();
  private readonly seenReports = new Set<string>();
  private readonly lines: OutputLine[] = [];
  private readonly hexDensity: (cells: readonly string[]) => HexDensityMap = createHexDensityCache();
  private readonly explain: boolean;
  private readonly warn: (message: string) => void;
  /** Beacons verified so far (progress). */
  verified = 0;

  constructor(private readonly deps: ReplaySchedulerDeps) {
    this.explain = deps.explain ?? false;
    this.warn = deps.warn ?? (() => {});
  }

  get clock(): number {
    return this.clockMs;
  }

  async push(event: ReplayEvent): Promise<void> {
    switch (event.kind) {
      case 'hotspot':
        this.tick(event.atMs);
        this.deps.state.recordHotspot(event.meta, event.atMs);
        break;
      case 'entropy':
        this.tick(event.atMs);
        this.addEntropy(event);
        break;
      case 'deny':
        this.deps.state.deny(event.address, event.tag);
        break;
      case 'deny_edge':
        this.deps.state.denyEdge(event.a, event.b, event.tag);
        break;
      case 'beacon':
        this.tick(event.receivedMs);
        await this.addBeacon(event);
        break;
      case 'witness':
        this.tick(event.receivedMs);
        this.addWitness(event);
        break;
    }
    await this.verifyReady(false);
  }

  /** End of file: everything still pending is verified, then the leftovers are reported. */
  async finish(): Promise<OutputLine[]> {
    await this.verifyReady(true);
    const stale = [...this.awaitingEntropy.values()].flat().sort(byArrival);
    this.awaitingEntropy.clear();
    // Entropy unknown: the verifier answers `stale` for the beacon and its witnesses.
    for (const beacon of stale) await this.verifyOne(beacon);
    for (const witnesses of this.pool.values()) for (const w of witnesses) this.lines.push(orphanLine(w, 'stale', this.explain ? {} : undefined));
    this.pool.clear();
    return sortLines(this.lines);
  }

  private tick(ms: number): void {
    if (ms > this.clockMs) this.clockMs = ms;
  }

  private addEntropy(event: Extract<ReplayEvent, { kind: 'entropy' }>): void {
    if (!this.deps.state.recordEntropy(event.entropy)) {
      this.warn(`line ${event.line}: entropy ${bytesToHex(event.entropy.data)} repeated; the first one stays`);
      return;
    }
    const key = bytesToHex(event.entropy.data);
    const waiting = this.awaitingEntropy.get(key);
    if (!waiting) return;
    this.awaitingEntropy.delete(key);
    for (const beacon of waiting) this.ready.push({ beacon, deadlineMs: deadline(event.entropy.timestamp) });
  }

  private decode<K extends 'beacon' | 'witness'>(kind: K, event: { line: number; receivedMs: number; payload: Uint8Array }) {
    try {
      return toReportIn(kind, event.payload, event.receivedMs);
    } catch (err) {
      if (ReportMalformed.is(err)) throw ReplayInputError(`line ${event.line}: ${err.message}`, { line: event.line, field: 'payload' }, err);
      throw err;
    }
  }

  /** The store keeps a report once (spec/wire.md §5): the same payload again is a redelivery. */
  private firstDelivery(id: string, line: number, kind: string): boolean {
    if (!this.seenReports.has(id)) {
      this.seenReports.add(id);
      return true;
    }
    this.warn(`line ${line}: ${kind} ${id} already read; a repeated payload counts once`);
    return false;
  }

  private async addBeacon(event: Extract<ReplayEvent, { kind: 'beacon' | 'witness' }>): Promise<void> {
    const beacon = this.decode('beacon', event);
    if (!this.firstDelivery(beacon.id, event.line, 'beacon')) return;
    if (!hasValidSignature(beacon)) {
      this.lines.push(badSignatureBeaconLine(beacon, this.explain));
      return;
    }
    const entropy = await this.deps.state.entropy(beacon.decoded.report.remoteEntropy);
    if (entropy) {
      this.ready.push({ beacon, deadlineMs: deadline(entropy.timestamp) });
      return;
    }
    const key = bytesToHex(beacon.decoded.report.remoteEntropy);
    const list = this.awaitingEntropy.get(key);
    if (list) list.push(beacon);
    else this.awaitingEntropy.set(key, [beacon]);
  }

  private addWitness(event: Extract<ReplayEvent, { kind: 'beacon' | 'witness' }>): void {
    const witness = this.decode('witness', event);
    if (!this.firstDelivery(witness.id, event.line, 'witness')) return;
    if (!hasValidSignature(witness)) {
      this.lines.push(orphanLine(witness, 'bad_signature', this.explain ? {} : undefined));
      return;
    }
    const key = bytesToHex(witness.decoded.report.data);
    const list = this.pool.get(key);
    if (list) list.push(witness);
    else this.pool.set(key, [witness]);
  }

  private async verifyReady(all: boolean): Promise<void> {
    for (let next = this.ready.peek(); next && (all || next.deadlineMs < this.clockMs); next = this.ready.peek()) {
      this.ready.pop();
      await this.verifyOne(next.beacon);
    }
  }

  private async verifyOne(beacon: BeaconIn): Promise<void> {
    const key = bytesToHex(beacon.decoded.report.data);
    const witnesses = this.pool.get(key) ?? [];
    this.pool.delete(key);
    const result = await verifyAndApply(beacon, witnesses, this.deps.state, this.deps.rules, { hexDensity: this.hexDensity });
    this.lines.push(beaconLine(result, this.explain));
    this.verified++;
  }
}

/** The entropy's expiry in ms: a beacon is ready once the clock is past it. */
function deadline(entropyTimestampS: number): number {
  return (entropyTimestampS + ENTROPY_LIFESPAN_S) * 1000;
}
