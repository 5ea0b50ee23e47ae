import { describe, expect, it } from 'vitest';
import { addressOf, cellAt, HOUR, seededRandom } from '../testkit.ts';
import { INTERACTIVITY_WINDOW_MS } from './constants.ts';
import { InMemoryPocState } from './memory-state.ts';
import type { HotspotMeta } from './types.ts';

const meta = (name: string, location: string | null): HotspotMeta => ({
  address: addressOf(name), owner: 'o', location, region: 'EU868', gain: 12, elevation: 0, capability: 'full',
});

describe('InMemoryPocState', () => {
  it('locate: the assertion in force at a time; a later one replaces it from its at_ms on', () => {
    const s = new InMemoryPocState();
    s.recordHotspot(meta('A', cellAt(0)), 1000);
    s.recordHotspot(meta('A', cellAt(5)), 5000);
    // Read out of order: still placed by at_ms.
    s.recordHotspot(meta('A', cellAt(2)), 3000);
    expect(s.locate(addressOf('A'), 999)).toBeNull();
    expect(s.locate(addressOf('A'), 1000)?.location).toBe(cellAt(0));
    expect(s.locate(addressOf('A'), 4999)?.location).toBe(cellAt(2));
    expect(s.locate(addressOf('A'), 5000)?.location).toBe(cellAt(5));
    // Same at_ms: the later line wins.
    s.recordHotspot(meta('A', cellAt(9)), 5000);
    expect(s.locate(addressOf('A'), 6000)?.location).toBe(cellAt(9));
  });

  it('denylist: keys and unordered edges; empty denies nothing; clear forgets', () => {
    const s = new InMemoryPocState();
    expect(s.denied(addressOf('A'))).toBeNull();
    s.deny(addressOf('A'), 'v1');
    s.denyEdge(addressOf('B'), addressOf('C'), 'v2');
    expect(s.denied(addressOf('A'))).toEqual({ tag: 'v1' });
    expect(s.deniedEdge(addressOf('C'), addressOf('B'))).toEqual({ tag: 'v2' });
    s.clearDenylist();
    expect(s.denied(addressOf('A'))).toBeNull();
    expect(s.deniedEdge(addressOf('B'), addressOf('C'))).toBeNull();
  });

  it('entropy: joined by exact bytes; the first record of some data stays', () => {
    const s = new InMemoryPocState();
    const data = new Uint8Array(32).fill(3);
    expect(s.recordEntropy({ data, timestamp: 10, version: 0 })).toBe(true);
    expect(s.recordEntropy({ data, timestamp: 20, version: 0 })).toBe(false);
    expect(s.entropy(new Uint8Array(32).fill(3))).toMatchObject({ timestamp: 10 });
    expect(s.entropy(new Uint8Array(32))).toBeNull();
  });

  it('interactive cells: asserted hotspots with a beacon-with-witness at most 60 h old; same array while unchanged', () => {
    const s = new InMemoryPocState();
    s.recordHotspot(meta('A', cellAt(0)), 0);
    s.recordHotspot(meta('B', null), 0);
    s.apply([{ kind: 'last_beacon_with_witness', address: addressOf('A'), atMs: 10 * HOUR }, { kind: 'last_beacon_with_witness', address: addressOf('B'), atMs: 10 * HOUR }]);
    const first = s.interactiveCells(11 * HOUR);
    expect(first).toEqual([cellAt(0)]);
    expect(s.interactiveCells(12 * HOUR)).toBe(first);
    expect(s.interactiveCells(70 * HOUR)).toEqual([cellAt(0)]);
    expect(s.interactiveCells(70 * HOUR + 1)).toEqual([]);
    // Back in time: rebuilt.
    expect(s.interactiveCells(20 * HOUR)).toEqual([cellAt(0)]);
  });

  it('property: the incremental interactive set equals a naive recomputation (seeded)', () => {
    const random = seededRandom(60);
    const names = Array.from({ length: 12 }, (_, i) => `H${i}`);
    const s = new InMemoryPocState();
    const bww = new Map<string, number>();
    const history: { name: string; at: number; loc: string | null; seq: number }[] = [];
    let t = 0;
    let seq = 0;
    const naive = (atMs: number): string[] => {
      const out: string[] = [];
      for (const [name, last] of bww) {
        if (atMs - last > INTERACTIVITY_WINDOW_MS) continue;
        const inForce = history.filter((h) => h.name === name && h.at <= atMs).sort((a, b) => a.at - b.at || a.seq - b.seq).at(-1);
        if (inForce?.loc) out.push(inForce.loc);
      }
      return out.sort();
    };
    for (let step = 0; step < 600; step++) {
      const r = random();
      const name = names[Math.floor(random() * names.length)]!;
      // Mostly forward, sometimes back a few minutes (beacons become ready by entropy order).
      t = Math.max(0, t + Math.floor((random() - 0.1) * 3 * HOUR));
      if (r < 0.4) {
        bww.set(name, t);
        s.apply([{ kind: 'last_beacon_with_witness', address: addressOf(name), atMs: t }]);
      } else if (r < 0.6) {
        const at = Math.max(0, t + Math.floor((random() - 0.5) * 10 * HOUR));
        const loc = random() < 0.2 ? null : cellAt(Math.floor(random() * 20), Math.floor(random() * 20));
        history.push({ name, at, loc, seq: seq++ });
        s.recordHotspot(meta(name, loc), at);
      } else {
        expect([...s.interactiveCells(t)].sort()).toEqual(naive(t));
      }
    }
  });
});
