import type { EntropyRecord, HotspotMeta, StateUpdate } from './types.ts';

// The verifier's view of the world, as a port: replay implements it in memory
// (memory-state.ts); the live runner implements it over PostgreSQL. Every method may answer
// synchronously or with a promise. verifyPoc only reads; the caller applies `stateUpdates`
// itself, before it verifies the next beacon (spec/poc-replay.md: state takes effect at once).

export type Awaitable<T> = T | Promise<T>;

export interface DenyHit {
  /** Denylist version tag (Helium writes it into `invalid_details`). */
  tag: string;
}

export interface PocState {
  /** The entropy whose `data` equals these bytes (beacons join entropy by exact bytes), or null. */
  entropy(data: Uint8Array): Awaitable<EntropyRecord | null>;
  /** Metadata in force at `atMs`: the latest assertion with at_ms ≤ atMs; null = unknown hotspot. */
  locate(address: string, atMs: number): Awaitable<HotspotMeta | null>;
  /** Receive time of the hotspot's last beacon counted toward its 6-h window. */
  lastBeaconMs(address: string): Awaitable<number | null>;
  /** Receive time of the hotspot's last witness that passed the witness checks. */
  lastWitnessMs(address: string): Awaitable<number | null>;
  /** Receive time of the hotspot's last beacon-with-witness. */
  lastBeaconWithWitnessMs(address: string): Awaitable<number | null>;
  /**
   * Asserted cells (at `atMs`) of the interactive hotspots: last beacon-with-witness at most
   * INTERACTIVITY_WINDOW_MS before `atMs` (or later). One entry per hotspot. Return the same
   * array instance while the set is unchanged, so the verifier can reuse its density map.
   */
  interactiveCells(atMs: number): Awaitable<readonly string[]>;
  /** Denylisted key, or null. An empty denylist denies nothing (fail-open); fail-closed is the adapter's choice. */
  denied(address: string): Awaitable<DenyHit | null>;
  /** Denylisted unordered edge between two keys, or null. */
  deniedEdge(a: string, b: string): Awaitable<DenyHit | null>;
  /** Applies a PoC's updates (set, not max: Helium overwrites the stored time). */
  apply(updates: readonly StateUpdate[]): Awaitable<void>;
}

/** Where the facts come from in replay: the event file. The live service gets them from the registry, chain and entropy tables. */
export interface PocFeed {
  /** A (re-)assertion: `meta` is in force from `atMs` on. */
  recordHotspot(meta: HotspotMeta, atMs: number): void;
  /** Adds an entropy; false when one with the same data is already known (the first one stays). */
  recordEntropy(entropy: EntropyRecord): boolean;
  deny(address: string, tag: string): void;
  denyEdge(a: string, b: string, tag: string): void;
}
