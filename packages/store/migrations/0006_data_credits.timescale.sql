-- With TimescaleDB: packet copies become a hypertable (1-day chunks), compressed after 7 days and
-- dropped after 90, like beacon and witness reports. The DC ledger keeps every burn forever.
SELECT create_hypertable('packet_reports', by_range('received_at', INTERVAL '1 day'), migrate_data => true);
ALTER TABLE packet_reports SET (timescaledb.compress, timescaledb.compress_segmentby = 'org_id', timescaledb.compress_orderby = 'received_at DESC');
SELECT add_compression_policy('packet_reports', INTERVAL '7 days');
SELECT add_retention_policy('packet_reports', INTERVAL '90 days');
