import { bytesToHex } from '@hexlight/protocol';
import { MinHeap } from '../heap.ts';
import { INTERACTIVITY_WINDOW_MS } from './constants.ts';
import type { DenyHit, PocFeed, PocState } from './state.ts';
import type { EntropyRecord, HotspotMeta, StateUpdate } from './types.ts';

// PocState in memory, for replay and tests. Interactive cells are maintained incrementally:
// a replay verifies thousands of beacons against a population that rarely changes, so the set
// is only touched where a beacon-with-witness, an expiry or an assertion changes it, and the
// same array is handed back until it does (the verifier then reuses its density map).

interface Assertion {
  atMs: number;
  meta: HotspotMeta;
}

type Timed = readonly [atMs: number, address: string];
const earlier = (a: Timed, b: Timed): boolean => a[0] < b[0];

function edgeKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

export class InMemoryPocState implements PocState, PocFeed {
  private readonly history = new Map<string, Assertion[]>();
  private readonly entropies = new Map<string, EntropyRecord>();
  private readonly lastBeacon = new Map<string, number>();
  private readonly lastWitness = new Map<string, number>();
  private readonly lastBww = new Map<string, number>();
  private readonly deniedKeys = new Map<string, string>();
  private readonly deniedEdges = new Map<string, string>();
  private denyAllTag: string | null = null;

  private readonly members = new Map<string, string>();
  private cells: readonly string[] = [];
  private dirty = false;
  private computedAt: number | null = null;
  private readonly touched = new Set<string>();
  /** (last beacon-with-witness time, address): popped when it falls out of the window. */
  private readonly expiries = new MinHeap<Timed>(earlier);
  /** (assertion at_ms, address) of assertions still in the future of `computedAt`. */
  private readonly assertions = new MinHeap<Timed>(earlier);

  constructor(private readonly interactivityWindowMs: number = INTERACTIVITY_WINDOW_MS) {}

  // ---- PocFeed ----

  recordHotspot(meta: HotspotMeta, atMs: number): void {
    let list = this.history.get(meta.address);
    if (!list) this.history.set(meta.address, (list = []));
    // After every assertion with the same or an earlier at_ms: the later line wins a tie.
    let i = list.length;
    while (i > 0 && list[i - 1]!.atMs > atMs) i--;
    list.splice(i, 0, { atMs, meta: { ...meta } });
    if (this.computedAt !== null && atMs <= this.computedAt) this.touched.add(meta.address);
    else this.assertions.push([atMs, meta.address]);
  }

  recordEntropy(entropy: EntropyRecord): boolean {
    const key = bytesToHex(entropy.data);
    if (this.entropies.has(key)) return false;
    this.entropies.set(key, { data: entropy.data.slice(), timestamp: entropy.timestamp, version: entropy.version });
    return true;
  }

  deny(address: string, tag: string): void {
    this.deniedKeys.set(address, tag);
  }

  denyEdge(a: string, b: string, tag: string): void {
    this.deniedEdges.set(edgeKey(a, b), tag);
  }

  /** Forgets every denied key and edge (before loading a new denylist version). */
  clearDenylist(): void {
    this.deniedKeys.clear();
    this.deniedEdges.clear();
    this.denyAllTag = null;
  }

  /**
   * Fail-closed: while the operator's denylist could not be loaded, every key and edge is denied
   * (Helium's behaviour without a filter). `null` lifts it.
   */
  denyEverything(tag: string | null): void {
    this.denyAllTag = tag;
  }

  // ---- PocState ----

  entropy(data: Uint8Array): EntropyRecord | null {
    return this.entropies.get(bytesToHex(data)) ?? null;
  }

  locate(address: string, atMs: number): HotspotMeta | null {
    const list = this.history.get(address);
    if (!list) return null;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]!.atMs <= atMs) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? null : list[lo - 1]!.meta;
  }

  lastBeaconMs(address: string): number | null {
    return this.lastBeacon.get(address) ?? null;
  }

  lastWitnessMs(address: string): number | null {
    return this.lastWitness.get(address) ?? null;
  }

  lastBeaconWithWitnessMs(address: string): number | null {
    return this.lastBww.get(address) ?? null;
  }

  denied(address: string): DenyHit | null {
    if (this.denyAllTag !== null) return { tag: this.denyAllTag };
    const tag = this.deniedKeys.get(address);
    return tag === undefined ? null : { tag };
  }

  deniedEdge(a: string, b: string): DenyHit | null {
    if (this.denyAllTag !== null) return { tag: this.denyAllTag };
    const tag = this.deniedEdges.get(edgeKey(a, b));
    return tag === undefined ? null : { tag };
  }

  apply(updates: readonly StateUpdate[]): void {
    for (const u of updates) {
      switch (u.kind) {
        case 'last_beacon':
          this.lastBeacon.set(u.address, u.atMs);
          break;
        case 'last_witness':
          this.lastWitness.set(u.address, u.atMs);
          break;
        case 'last_beacon_with_witness':
          this.lastBww.set(u.address, u.atMs);
          this.touched.add(u.address);
          this.expiries.push([u.atMs, u.address]);
          break;
      }
    }
  }

  interactiveCells(atMs: number): readonly string[] {
    if (this.computedAt === null || atMs < this.computedAt) this.rebuild(atMs);
    else this.advance(atMs);
    if (this.dirty) {
      this.cells = [...this.members.values()];
      this.dirty = false;
    }
    return this.cells;
  }

  // ---- interactivity bookkeeping ----

  private advance(atMs: number): void {
    const cutoff = atMs - this.interactivityWindowMs;
    for (let top = this.expiries.peek(); top && top[0] < cutoff; top = this.expiries.peek()) {
      this.expiries.pop();
      // Only the hotspot's current time counts; older entries were superseded.
      if (this.lastBww.get(top[1]) === top[0]) this.touched.add(top[1]);
    }
    for (let top = this.assertions.peek(); top && top[0] <= atMs; top = this.assertions.peek()) {
      this.assertions.pop();
      this.touched.add(top[1]);
    }
    for (const address of this.touched) this.refresh(address, atMs);
    this.touched.clear();
    this.computedAt = atMs;
  }

  /** Time went backwards (beacons become ready by entropy, not by receive time): start over. */
  private rebuild(atMs: number): void {
    this.members.clear();
    this.dirty = true;
    this.touched.clear();
    this.expiries.clear();
    this.assertions.clear();
    const cutoff = atMs - this.interactivityWindowMs;
    for (const [address, t] of this.lastBww) {
      if (t >= cutoff) this.expiries.push([t, address]);
      this.refresh(address, atMs);
    }
    for (const [address, list] of this.history) {
      for (const a of list) if (a.atMs > atMs) this.assertions.push([a.atMs, address]);
    }
    this.computedAt = atMs;
  }

  private refresh(address: string, atMs: number): void {
    const t = this.lastBww.get(address);
    const cell = t !== undefined && atMs - t <= this.interactivityWindowMs ? (this.locate(address, atMs)?.location ?? null) : null;
    const previous = this.members.get(address);
    if (cell === null) {
      if (previous !== undefined) {
        this.members.delete(address);
        this.dirty = true;
      }
    } else if (previous !== cell) {
      this.members.set(address, cell);
      this.dirty = true;
    }
  }
}
