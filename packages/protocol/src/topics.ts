import type { ReportKind } from './messages.ts';

// MQTT topic names and the hotspot ACL (spec/wire.md §2–§3). The ACL is the only thing keeping
// one hotspot from reading or forging another's reports, so it is written as an allow-list.

export const TOPIC_LEAVES = ['beacon', 'witness', 'packet', 'state', 'rejected'] as const;
export type TopicLeaf = (typeof TOPIC_LEAVES)[number];

/** Leaf → report kind; null prototype so `REPORT_LEAVES['constructor']` is undefined. */
export const REPORT_LEAVES: Readonly<Record<string, ReportKind>> = Object.freeze(
  Object.assign(Object.create(null) as Record<string, ReportKind>, { beacon: 'beacon', witness: 'witness', packet: 'packet' }),
);

export const ENTROPY_TOPIC = 'network/entropy';
/** Ingest workers share hotspot traffic (MQTT 5 shared subscription; aedes ignores the prefix). */
export const SHARED_INGEST_FILTER = '$share/ingest/hotspot/+/+';
/** Report payloads above 1 KiB are refused as oversized (spec/wire.md §5). */
export const MAX_REPORT_BYTES = 1024;

export function hotspotTopic(address: string, leaf: TopicLeaf): string {
  return `hotspot/${address}/${leaf}`;
}

export function regionTopic(region: string): string {
  return `network/region/${region}`;
}

/** `hotspot/<address>/<leaf>`, exactly three non-empty levels without wildcards; else null. */
export function parseHotspotTopic(topic: string): { address: string; leaf: string } | null {
  if (typeof topic !== 'string') return null;
  const levels = topic.split('/');
  if (levels.length !== 3 || levels[0] !== 'hotspot') return null;
  const address = levels[1]!;
  const leaf = levels[2]!;
  if (!address || !leaf || hasWildcard(address) || hasWildcard(leaf)) return null;
  return { address, leaf };
}

function hasWildcard(s: string): boolean {
  return s.includes('+') || s.includes('#') || s.includes('\u0000');
}

/** An address usable as one topic level; anything else gets no rights at all. */
function isTopicSafe(address: string): boolean {
  return typeof address === 'string' && address.length > 0 && !address.includes('/') && !hasWildcard(address);
}

/** A hotspot may publish only under `hotspot/<own address>/…`. */
export function mayPublish(address: string, topic: string): boolean {
  if (!isTopicSafe(address) || typeof topic !== 'string' || hasWildcard(topic)) return false;
  const prefix = `hotspot/${address}/`;
  return topic.startsWith(prefix) && topic.length > prefix.length;
}

/**
 * A hotspot may subscribe to `hotspot/<own>/#`, `network/#`, or any filter matching a subset of
 * those: the first levels must be literal, so `hotspot/+/beacon`, `hotspot/#`, `#` and `$share/…`
 * are refused.
 */
export function maySubscribe(address: string, filter: string): boolean {
  if (!isTopicSafe(address) || typeof filter !== 'string' || !isValidFilter(filter)) return false;
  const levels = filter.split('/');
  if (levels[0] === 'network') return true;
  return levels[0] === 'hotspot' && levels[1] === address;
}

/** MQTT 3.1.1 §4.7: `#` only alone and last, `+` only alone in its level. */
function isValidFilter(filter: string): boolean {
  if (filter.length === 0 || filter.includes('\u0000')) return false;
  const levels = filter.split('/');
  return levels.every((level, i) => {
    if (level.includes('#')) return level === '#' && i === levels.length - 1;
    if (level.includes('+')) return level === '+';
    return true;
  });
}
