import { readFileSync } from 'node:fs';

// Loads test-fixtures/replay-small.events.jsonl (copy of spec/examples): payloads signed by an
// independent implementation, the strongest evidence that our canonical bytes are the right ones.

export interface FixtureHotspot {
  kind: 'hotspot';
  address: string;
  owner: string;
  region: string;
  gain: number;
}
export interface FixtureEntropy {
  kind: 'entropy';
  data: string;
  timestamp: number;
  version: number;
}
export interface FixtureReport {
  kind: 'beacon' | 'witness';
  line: number;
  received_ms: number;
  payload: Uint8Array;
}

export function loadReplayFixture(): { hotspots: FixtureHotspot[]; entropies: FixtureEntropy[]; reports: FixtureReport[] } {
  const text = readFileSync(new URL('../../../test-fixtures/replay-small.events.jsonl', import.meta.url), 'utf8');
  const hotspots: FixtureHotspot[] = [];
  const entropies: FixtureEntropy[] = [];
  const reports: FixtureReport[] = [];
  text.trim().split('\n').forEach((raw, i) => {
    const e = JSON.parse(raw) as { kind: string; payload?: string; received_ms?: number };
    if (e.kind === 'hotspot') hotspots.push(e as FixtureHotspot);
    else if (e.kind === 'entropy') entropies.push(e as FixtureEntropy);
    else if (e.kind === 'beacon' || e.kind === 'witness') {
      reports.push({ kind: e.kind, line: i + 1, received_ms: e.received_ms!, payload: new Uint8Array(Buffer.from(e.payload!, 'base64')) });
    }
  });
  return { hotspots, entropies, reports };
}
