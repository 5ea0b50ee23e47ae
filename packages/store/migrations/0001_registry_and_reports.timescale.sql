-- With TimescaleDB: raw reports become hypertables (1-day chunks), compressed after 7 days,
-- dropped after 90 days (report_ids is pruned by ingest on the same horizon).
SELECT create_hypertable('beacon_reports', by_range('received_at', INTERVAL '1 day'));
SELECT create_hypertable('witness_reports', by_range('received_at', INTERVAL '1 day'));
SELECT create_hypertable('hotspot_state_events', by_range('at', INTERVAL '7 days'));
ALTER TABLE beacon_reports SET (timescaledb.compress, timescaledb.compress_segmentby = 'hotspot', timescaledb.compress_orderby = 'received_at DESC');
ALTER TABLE witness_reports SET (timescaledb.compress, timescaledb.compress_segmentby = 'hotspot', timescaledb.compress_orderby = 'received_at DESC');
SELECT add_compression_policy('beacon_reports', INTERVAL '7 days');
SELECT add_compression_policy('witness_reports', INTERVAL '7 days');
SELECT add_retention_policy('beacon_reports', INTERVAL '90 days');
SELECT add_retention_policy('witness_reports', INTERVAL '90 days');
SELECT add_retention_policy('hotspot_state_events', INTERVAL '90 days');
CREATE INDEX report_ids_time_brin ON report_ids USING brin (received_at);
