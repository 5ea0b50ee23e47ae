-- Without TimescaleDB: packet copies are appended in time order; BRIN serves time-range scans.
CREATE INDEX packet_reports_time_brin ON packet_reports USING brin (received_at);
