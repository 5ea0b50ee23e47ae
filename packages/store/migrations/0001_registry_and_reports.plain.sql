-- Without TimescaleDB: time-ordered appends make BRIN the cheap index for time-range scans.
CREATE INDEX beacon_reports_time_brin ON beacon_reports USING brin (received_at);
CREATE INDEX witness_reports_time_brin ON witness_reports USING brin (received_at);
CREATE INDEX report_ids_time_brin ON report_ids USING brin (received_at);
