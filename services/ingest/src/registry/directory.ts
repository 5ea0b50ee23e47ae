import type { RegistryStore } from './store.ts';

/**
 * Which addresses are onboarded, cached: connect auth and every report ask, and the answer
 * changes only when someone onboards. Misses are cached briefly so a flood from an unknown
 * address does not become a flood of queries.
 */
export class HotspotDirectory {
  private known = new Map<string, Uint8Array>();
  private unknownUntil = new Map<string, number>();

  constructor(
    private readonly store: RegistryStore,
    private readonly negativeTtlMs = 2_000,
    private readonly maxEntries = 2_000_000,
  ) {}

  async keyOf(address: string): Promise<Uint8Array | null> {
    const hit = this.known.get(address);
    if (hit) return hit;
    const until = this.unknownUntil.get(address);
    if (until !== undefined && until > Date.now()) return null;
    const key = await this.store.keyOf(address);
    if (key) {
      if (this.known.size >= this.maxEntries) this.known.clear();
      this.known.set(address, key);
      this.unknownUntil.delete(address);
    } else {
      if (this.unknownUntil.size >= 100_000) this.unknownUntil.clear();
      this.unknownUntil.set(address, Date.now() + this.negativeTtlMs);
    }
    return key;
  }

  /** Called by onboarding in this process so the new hotspot can connect at once. */
  remember(address: string, keyBinary: Uint8Array): void {
    this.known.set(address, keyBinary);
    this.unknownUntil.delete(address);
  }
}
