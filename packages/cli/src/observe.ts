import { flagCheck, processAdminAuth, sqlCheck, type AdminAuth, type Metrics, type MetricSample, type Readiness } from '@hexlight/kit';
import { ACCESS_DENY_REASONS, HOOK_ACTIONS, NOT_BOUGHT_REASONS, REFUSAL_REASONS, type Ingest } from '@hexlight/ingest';
import { VERDICT_REASONS, type Poc, type VerdictCounts } from '@hexlight/poc';
import type { Rewards } from '@hexlight/rewards';
import { MAPS_API_ENDPOINTS, type Maps } from '@hexlight/maps';
import type { Db } from '@hexlight/store';

// Every series here is read from a service's own status()/stats() at scrape time (README
// "Operations" lists them); nothing below runs on the report path.

const byLabel = (label: string, counts: Record<string, number>, known: readonly string[] = []): MetricSample => {
  const keys = new Set([...known, ...Object.keys(counts)]);
  return [...keys].map((k) => [{ [label]: k }, counts[k] ?? 0] as const);
};

export function ingestMetrics(m: Metrics, ingest: Pick<Ingest, 'status'>): void {
  const s = () => ingest.status();
  m.counter('hexlight_ingest_reports_received_total', 'Reports (beacons, witnesses, packets) received from hotspots', () => s().received);
  m.counter('hexlight_ingest_reports_stored_total', 'Reports durably stored (committed before their PUBACK)', () => s().stored);
  m.counter('hexlight_ingest_reports_duplicate_total', 'Resent reports recognised by their report id and not stored again', () => s().duplicates);
  m.counter('hexlight_ingest_reports_refused_total', 'Reports refused, by reason (README "Error codes")', () => byLabel('reason', s().refused, REFUSAL_REASONS), ['reason']);
  m.gauge('hexlight_ingest_pending_reports', 'Reports admitted but not yet committed (queue depth; backpressure at INGEST_MAX_PENDING)', () => s().pending);
  m.gauge('hexlight_ingest_last_batch_seconds', 'Duration of the last write transaction, by kind (report, packet)', () => {
    const st = s();
    return [[{ kind: 'report' }, st.lastBatchMs / 1000], [{ kind: 'packet' }, st.packets.lastBatchMs / 1000]];
  }, ['kind']);
  m.gauge('hexlight_ingest_connections', 'Hotspot connections on the embedded broker, or broker sessions this worker holds on an external one', () => s().connections);
  m.gauge('hexlight_ingest_broker_sessions_held', 'External broker: sessions of the share group this worker holds (the group has INGEST_SESSIONS; across workers they add up to it)', () => s().sessions?.held ?? 0);
  m.gauge('hexlight_ingest_broker_connected', '1 when the broker side is up (embedded broker listening, or every consumer subscribed)', () => (s().brokerConnected ? 1 : 0));
  m.counter('hexlight_ingest_packets_stored_total', 'Device frame copies stored (bought or not)', () => s().packets.stored);
  m.counter('hexlight_ingest_packets_bought_total', 'Device frame copies bought by their organisation', () => s().packets.bought);
  m.counter('hexlight_ingest_dc_burned_total', 'Data Credits burned for bought packets', () => s().packets.dcBurned);
  m.counter('hexlight_ingest_packets_not_bought_total', 'Device frame copies stored but not bought, by reason', () => byLabel('reason', s().packets.notBought, NOT_BOUGHT_REASONS), ['reason']);
  m.counter('hexlight_ingest_orgs_disabled_total', 'Organisations this ingest disabled for want of DC', () => s().packets.orgsDisabled);
  m.gauge('hexlight_ingest_devaddr_ranges', 'DevAddr ranges in the routing table', () => s().packets.ranges);
  m.counter('hexlight_ingest_broker_hook_total', 'External broker HTTP auth hook decisions, by action (authenticate, publish, subscribe) and result (allow, deny)', () => {
    const d = s().brokerHook.decisions;
    return HOOK_ACTIONS.flatMap((action) => (['allow', 'deny'] as const).map((result) => [{ action, result }, d[action][result]] as const));
  }, ['action', 'result']);
  m.counter('hexlight_ingest_broker_hook_denied_total', 'External broker HTTP auth hook denials, by reason', () => byLabel('reason', s().brokerHook.denied, ACCESS_DENY_REASONS), ['reason']);
}

export function pocMetrics(m: Metrics, poc: Pick<Poc, 'stats'>): void {
  m.counter('hexlight_poc_batches_total', 'Verifier transactions committed', () => poc.stats().batches);
  m.counter('hexlight_poc_beacons_verified_total', 'PoCs (beacons) judged by the live verifier', () => poc.stats().beacons);
  m.counter('hexlight_poc_witnesses_judged_total', 'Witness verdicts stored by the live verifier', () => poc.stats().witnesses);
  m.counter('hexlight_poc_verdicts_total', 'Verdicts committed by the live verifier, by kind (beacon, witness), verdict (valid, invalid) and reason (none for valid ones)',
    () => verdictSamples(poc.stats().verdicts), ['kind', 'verdict', 'reason']);
  m.counter('hexlight_poc_stale_total', 'Beacons and orphan witnesses judged stale (no entropy, or no beacon, within POC_STALE_AFTER_S)', () => poc.stats().stale);
  m.gauge('hexlight_poc_last_batch_seconds', 'Duration of the last verifier batch', () => poc.stats().lastBatchMs / 1000);
  m.counter('hexlight_poc_entropy_published_total', 'Entropies this instance published (it held the entropy publisher lock)', () => poc.stats().entropyPublished);
}

/** Every kind × invalid × known reason exists at 0, and valid/none; reasons seen beyond them are added. */
function verdictSamples(v: VerdictCounts): MetricSample {
  const out: Array<readonly [Record<string, string>, number]> = [];
  for (const kind of ['beacon', 'witness'] as const) {
    for (const verdict of ['valid', 'invalid'] as const) {
      const counts = v[kind][verdict];
      const known = verdict === 'valid' ? ['none'] : VERDICT_REASONS;
      for (const reason of new Set([...known, ...Object.keys(counts)])) out.push([{ kind, verdict, reason }, counts[reason] ?? 0]);
    }
  }
  return out;
}

export function rewardsMetrics(m: Metrics, rewards: Pick<Rewards, 'stats'>): void {
  m.gauge('hexlight_rewards_last_closed_epoch', 'Number of the last closed epoch (-1 before the first)', () => rewards.stats().lastClosed ?? -1);
  m.gauge('hexlight_rewards_payout_jobs_pending', 'Payout jobs pending after the last pass (payout backlog)', () => rewards.stats().lastPass?.payouts?.pending ?? 0);
  m.gauge('hexlight_rewards_payout_jobs_stuck', 'Payout jobs that need an operator after the last pass', () => rewards.stats().lastPass?.payouts?.stuck ?? 0);
  m.gauge('hexlight_rewards_epoch_waiting', '1 when the next epoch is due but waits (e.g. the verifier is behind)', () => (rewards.stats().lastPass?.waiting ? 1 : 0));
  m.gauge('hexlight_rewards_last_pass_failed', '1 when the last rewards pass failed (its error is logged)', () => (rewards.stats().lastError ? 1 : 0));
  m.counter('hexlight_rewards_passes_total', 'Rewards passes run by this instance (it held the rewarder lock)', () => rewards.stats().passes);
  m.counter('hexlight_rewards_passes_skipped_total', 'Rewards passes skipped because another instance held the rewarder lock', () => rewards.stats().skipped);
}

export function mapsMetrics(m: Metrics, maps: Pick<Maps, 'ingest' | 'apiStats'>): void {
  m.counter('hexlight_maps_mapper_events_total', 'Mapper ingest counters (as GET /v1/map/status "counts"), by event', () => byLabel('event', maps.ingest.counts()), ['event']);
  m.counter('hexlight_maps_api_requests_total', 'Coverage API requests billed (the billing statement committed), by endpoint', () => byLabel('endpoint', maps.apiStats().requests, MAPS_API_ENDPOINTS), ['endpoint']);
  m.counter('hexlight_maps_api_hexes_total', 'Hexes billed by the coverage API (returned, in a tile, or exported), by endpoint', () => byLabel('endpoint', maps.apiStats().hexes, MAPS_API_ENDPOINTS), ['endpoint']);
  m.counter('hexlight_maps_api_dc_billed_total', 'Data Credits billed by the coverage API', () => maps.apiStats().dcBilled);
  m.counter('hexlight_maps_api_rate_limited_total', 'Coverage API requests refused by the per-organisation rate limit (429 MAPS_RATE_LIMITED)', () => maps.apiStats().rateLimited);
}

/** The process's admin authentication (every service's admin routes share it). */
export function adminMetrics(m: Metrics, auth: Pick<AdminAuth, 'stats'> = processAdminAuth): void {
  m.counter('hexlight_admin_auth_failures_total', 'Admin API requests with a missing or wrong token', () => auth.stats().failures);
  m.counter('hexlight_admin_auth_rate_limited_total', 'Admin API requests refused because their client address failed too often (429 ADMIN_RATE_LIMITED)', () => auth.stats().rateLimited);
}

/**
 * `/readyz` of a service: the store answers, the broker (when given) is connected. `why` gives
 * the reason it is not (e.g. the TLS handshake the broker's certificate failed).
 */
export function addReadiness(r: Readiness, db: Db, broker?: { name: string; ok: () => boolean; why?: () => string | undefined }): void {
  r.add('store', sqlCheck(db));
  if (!broker) return;
  const why = broker.why;
  r.add(broker.name, why
    ? () => {
      if (broker.ok()) return;
      const reason = why();
      throw new Error(`${broker.name} not connected${reason ? `: ${reason}` : ''}`);
    }
    : flagCheck(broker.ok, `${broker.name} not connected`));
}
