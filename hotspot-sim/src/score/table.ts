import type { BehaviourScore, ScoreResult } from './score.ts';
import { formatShare } from './score.ts';

// The score as text: Markdown tables (they read well in a terminal and paste into a README as
// they are), one for the cheaters, one for everyone else, one overall, then why reports failed.

function table(header: string[], rows: string[][], rightFrom = 1): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i >= rightFrom ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i >= rightFrom ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

const count = (n: number, of: number | null, rate: number | null): string => `${n}/${of ?? 0} (${formatShare(rate)})`;
export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.000Z$/, 'Z');

function topReasons(reasons: Record<string, number>, n = 3): string {
  const sorted = Object.entries(reasons).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  if (sorted.length === 0) return 'none';
  const shown = sorted.slice(0, n).map(([r, k]) => `${r} ${k}`);
  return sorted.length > n ? `${shown.join(', ')}, …` : shown.join(', ');
}

/** The human-readable score: header, definitions, tables per behaviour and overall, reasons. */
export function formatScoreTable(result: ScoreResult): string {
  const names = result.rulesets.map((r) => r.ruleset);
  const first = result.rulesets[0]!;
  const out: string[] = [];
  out.push(`scenario ${result.scenario} · seed ${result.seed} · speed ${result.speed}× · ${plural(result.hotspots, 'hotspot')}, ${plural(result.cheaters, 'cheater')}`);
  out.push(`run ${iso(result.clock.startMs)} → ${iso(result.clock.endMs)}; scored from ${iso(result.warmupEndMs)}${result.otherHotspots ? ` (${plural(result.otherHotspots, 'reporting hotspot')} not in the truth file ignored)` : ''}`);
  for (const d of result.definition) out.push(d);
  if (result.warmupEndMs >= result.clock.endMs) out.push('warning: the warm-up covers the whole run, nothing was scored (--warmup HOURS shortens it)');
  out.push('');

  const byRuleset = (behaviour: string) => result.rulesets.map((r) => r.behaviours.find((b) => b.behaviour === behaviour)!);
  const cheaterGroups = first.behaviours.filter((b) => b.cheaters > 0);
  const otherGroups = first.behaviours.filter((b) => b.cheaters < b.hotspots);

  if (cheaterGroups.length > 0) {
    out.push('cheaters caught (recall)');
    const rows = cheaterGroups.map((g) => [g.behaviour, String(g.cheaters), String(g.silent),
      ...byRuleset(g.behaviour).map((b: BehaviourScore) => count(b.caught, b.cheaters, b.caughtRate))]);
    rows.push(['all cheaters', String(first.overall.cheaters), String(cheaterGroups.reduce((s, g) => s + g.silent, 0)),
      ...result.rulesets.map((r) => count(r.overall.caught, r.overall.cheaters, r.overall.recall))]);
    out.push(table(['behaviour', 'hotspots', 'silent', ...names.map((n) => `${n} caught`)], rows));
    out.push('');
  }
  if (otherGroups.length > 0) {
    out.push('non-cheaters wrongly invalidated (false positives)');
    const rows = otherGroups.map((g) => [g.behaviour, String(g.hotspots - g.cheaters), String(g.silent),
      ...byRuleset(g.behaviour).map((b) => count(b.wronglyInvalidated, b.hotspots - b.cheaters, b.wronglyInvalidatedRate))]);
    rows.push(['all non-cheaters', String(first.overall.nonCheaters), String(otherGroups.reduce((s, g) => s + g.silent, 0)),
      ...result.rulesets.map((r) => count(r.overall.wronglyInvalidated, r.overall.nonCheaters, r.overall.falsePositiveRate))]);
    out.push(table(['behaviour', 'hotspots', 'silent', ...names.map((n) => `${n} wrongly invalidated`)], rows));
    out.push('');
  }

  out.push('overall (cheater detection)');
  out.push(table(['ruleset', 'caught', 'wrongly invalidated', 'precision', 'recall', 'F1'], result.rulesets.map((r) => [
    r.ruleset, `${r.overall.caught}/${r.overall.cheaters}`, `${r.overall.wronglyInvalidated}/${r.overall.nonCheaters}`,
    formatShare(r.overall.precision), formatShare(r.overall.recall), formatShare(r.overall.f1),
  ])));
  out.push('');

  out.push('invalid reports (counted: witness reports on invalid or unproven beacons set aside) and why');
  const nameW = Math.max(...names.map((n) => n.length));
  for (const g of first.behaviours) {
    for (const [i, b] of byRuleset(g.behaviour).entries()) {
      const r = b.reports;
      out.push(`  ${(i === 0 ? g.behaviour : '').padEnd(16)} ${names[i]!.padEnd(nameW)}  beacons ${`${r.beaconsInvalid}/${r.beacons}`.padStart(9)} ${`(+${r.beaconsUnproven} unproven)`.padEnd(16)} witness reports ${`${r.witnessesInvalid}/${r.witnesses}`.padStart(11)}  ${topReasons(r.reasons)}`);
    }
  }
  return `${out.join('\n')}\n`;
}
