import type { BehaviourScore, ScoreResult } from './score.ts';
import { formatShare } from './score.ts';
import { plural } from './table.ts';

// The score as a self-contained SVG, written by hand (no chart library): one group of bars per
// behaviour, one bar per ruleset. Non-cheater groups (left, hatched) show the share wrongly
// invalidated; cheater groups (right, solid) the share caught. Each bar is a
// `<rect class="bar" data-ruleset data-behaviour>` with a tooltip, so tests and tools can read it.

const COLOURS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#b07aa1'];
const BAR_W = 22;
const BAR_GAP = 4;
const GROUP_GAP = 30;
const SECTION_GAP = 44;
const LEFT = 78;
const RIGHT = 28;
const PLOT_H = 240;

export function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

const r1 = (n: number): string => String(Math.round(n * 10) / 10);

interface Group {
  behaviour: string;
  hotspots: number;
  cheaterGroup: boolean;
  /** One per ruleset, in result order. */
  scores: BehaviourScore[];
}

function barValue(g: Group, b: BehaviourScore): { rate: number; n: number; of: number; what: string } {
  return g.cheaterGroup
    ? { rate: b.caughtRate ?? 0, n: b.caught, of: b.cheaters, what: 'caught' }
    : { rate: b.wronglyInvalidatedRate ?? 0, n: b.wronglyInvalidated, of: b.hotspots - b.cheaters, what: 'wrongly invalidated' };
}

/** Renders the score as an SVG document (UTF-8 text). */
export function renderScoreSvg(result: ScoreResult): string {
  const rules = result.rulesets.map((r) => r.ruleset);
  const groupW = rules.length * BAR_W + (rules.length - 1) * BAR_GAP;
  const groups: Group[] = result.rulesets[0]!.behaviours.map((b) => ({
    behaviour: b.behaviour, hotspots: b.hotspots, cheaterGroup: b.cheaters > 0,
    scores: result.rulesets.map((r) => r.behaviours.find((x) => x.behaviour === b.behaviour)!),
  }));
  const sections = [groups.filter((g) => !g.cheaterGroup), groups.filter((g) => g.cheaterGroup)].filter((s) => s.length > 0);

  const legendTop = 72;
  const plotTop = legendTop + rules.length * 18 + 40;
  const plotBottom = plotTop + PLOT_H;
  const y = (rate: number) => plotBottom - rate * PLOT_H;

  // x positions: groups left to right, a wider gap between the two sections.
  let x = LEFT + GROUP_GAP / 2;
  const placed: { group: Group; x0: number }[] = [];
  const sectionSpans: { x0: number; x1: number; cheaters: boolean }[] = [];
  for (const [si, section] of sections.entries()) {
    if (si > 0) x += SECTION_GAP - GROUP_GAP;
    const start = x;
    for (const group of section) {
      placed.push({ group, x0: x });
      x += groupW + GROUP_GAP;
    }
    sectionSpans.push({ x0: start - GROUP_GAP / 2, x1: x - GROUP_GAP / 2, cheaters: section[0]!.cheaterGroup });
  }
  const plotRight = Math.max(x - GROUP_GAP / 2, LEFT + 200);
  const width = Math.max(Math.ceil(plotRight + RIGHT), 820);
  const height = plotBottom + 110;

  const el: string[] = [];
  el.push(`<?xml version="1.0" encoding="UTF-8"?>`);
  el.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`);
  el.push(`<title>${xmlEscape(`PoC scoring: ${result.scenario}, seed ${result.seed}`)}</title>`);
  el.push('<defs>');
  for (const [i] of rules.entries()) {
    const c = COLOURS[i % COLOURS.length]!;
    el.push(`<pattern id="hatch-${i}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="${c}" fill-opacity="0.25"/><line x1="0" y1="0" x2="0" y2="6" stroke="${c}" stroke-width="3"/></pattern>`);
  }
  el.push('</defs>');
  el.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  el.push(`<text x="${LEFT}" y="28" font-size="17" font-weight="bold">${xmlEscape(`PoC scoring — scenario ${result.scenario}, seed ${result.seed}`)}</text>`);
  el.push(`<text x="${LEFT}" y="48" fill="#555555">${xmlEscape(`${plural(result.hotspots, 'hotspot')}, ${plural(result.cheaters, 'cheater')} · speed ${result.speed}× · flagged: ≥ ${formatShare(result.threshold)} of its beacons or of its witness reports invalid after the warm-up`)}</text>`);

  // Legend: one line per ruleset with its overall numbers.
  for (const [i, r] of result.rulesets.entries()) {
    const ly = legendTop + i * 18;
    const o = r.overall;
    el.push(`<g class="legend" data-ruleset="${xmlEscape(r.ruleset)}"><rect x="${LEFT}" y="${ly - 10}" width="12" height="12" fill="${COLOURS[i % COLOURS.length]}"/>`
      + `<text x="${LEFT + 18}" y="${ly}">${xmlEscape(`${r.ruleset}: precision ${formatShare(o.precision)}, recall ${formatShare(o.recall)}, F1 ${formatShare(o.f1)}; honest wrongly invalidated ${formatShare(o.honestFalsePositiveRate)}`)}</text></g>`);
  }

  // Axes and grid.
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    el.push(`<line x1="${LEFT}" y1="${r1(y(tick))}" x2="${r1(plotRight)}" y2="${r1(y(tick))}" stroke="${tick === 0 ? '#333333' : '#dddddd'}"/>`);
    el.push(`<text x="${LEFT - 8}" y="${r1(y(tick) + 4)}" text-anchor="end">${tick * 100} %</text>`);
  }
  el.push(`<line x1="${LEFT}" y1="${plotTop}" x2="${LEFT}" y2="${plotBottom}" stroke="#333333"/>`);
  el.push(`<text x="18" y="${r1((plotTop + plotBottom) / 2)}" text-anchor="middle" transform="rotate(-90 18 ${r1((plotTop + plotBottom) / 2)})">hotspots flagged (share of the group)</text>`);
  el.push(`<text x="${r1((LEFT + plotRight) / 2)}" y="${height - 12}" text-anchor="middle">behaviour (hotspots in the group)</text>`);

  // Section captions and the divider between them.
  for (const [i, s] of sectionSpans.entries()) {
    el.push(`<text x="${r1((s.x0 + s.x1) / 2)}" y="${plotTop - 24}" text-anchor="middle" fill="#555555">${s.cheaters ? 'cheaters: caught' : 'non-cheaters: wrongly invalidated'}</text>`);
    if (i > 0) el.push(`<line x1="${r1(s.x0 - (SECTION_GAP - GROUP_GAP) / 2)}" y1="${plotTop - 36}" x2="${r1(s.x0 - (SECTION_GAP - GROUP_GAP) / 2)}" y2="${plotBottom}" stroke="#999999" stroke-dasharray="4 3"/>`);
  }

  // Bars.
  for (const { group, x0 } of placed) {
    for (const [i, b] of group.scores.entries()) {
      const v = barValue(group, b);
      const bx = x0 + i * (BAR_W + BAR_GAP);
      const top = y(v.rate);
      const colour = COLOURS[i % COLOURS.length]!;
      const fill = group.cheaterGroup ? `fill="${colour}"` : `fill="url(#hatch-${i})" stroke="${colour}"`;
      const tip = `${rules[i]} · ${group.behaviour}: ${v.n} of ${v.of} ${v.what} (${formatShare(v.of ? v.rate : null)})`;
      el.push(`<rect class="bar" data-ruleset="${xmlEscape(rules[i]!)}" data-behaviour="${xmlEscape(group.behaviour)}" data-share="${Math.round(v.rate * 1000) / 1000}" x="${r1(bx)}" y="${r1(top)}" width="${BAR_W}" height="${r1(plotBottom - top)}" ${fill}><title>${xmlEscape(tip)}</title></rect>`);
      el.push(`<text x="${r1(bx + BAR_W / 2)}" y="${r1(top - 4)}" text-anchor="middle" font-size="9">${Math.round(v.rate * 100)}</text>`);
    }
    const cx = x0 + groupW / 2;
    const ly = plotBottom + 16;
    el.push(`<text x="${r1(cx)}" y="${ly}" text-anchor="end" transform="rotate(-30 ${r1(cx)} ${ly})">${xmlEscape(`${group.behaviour} (${group.hotspots})`)}</text>`);
  }
  el.push('</svg>');
  return `${el.join('\n')}\n`;
}
