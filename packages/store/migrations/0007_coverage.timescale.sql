-- With TimescaleDB: measurements and receptions are hypertables (1-day chunks), and the
-- per-(hex, hotspot, day) aggregates at res 10 .. 5 are continuous aggregates over the receptions
-- (real-time: materialized_only = false, so a new measurement shows at once). coverage_hex_day is
-- a view with the same columns as the plain branch's table, so every query is the same SQL.
-- snr_best is last(snr, rssi): the SNR of the best-RSSI reception (ties: any of them).
SELECT create_hypertable('mapper_uplinks', by_range('received_at', INTERVAL '1 day'), migrate_data => true);
SELECT create_hypertable('mapper_receptions', by_range('received_at', INTERVAL '1 day'), migrate_data => true);
CREATE MATERIALIZED VIEW coverage_r10_day WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT h3_r10 AS h3, time_bucket(INTERVAL '1 day', received_at) AS day, hotspot,
  count(*)::int AS n, max(rssi) AS rssi_best, last(snr, rssi) AS snr_best,
  sum(rssi)::float8 AS rssi_sum, sum(snr)::float8 AS snr_sum,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 0)::int AS b0,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 1)::int AS b1,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 2)::int AS b2,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 3)::int AS b3,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 4)::int AS b4,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 5)::int AS b5,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 6)::int AS b6,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 7)::int AS b7,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 8)::int AS b8,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 9)::int AS b9,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 10)::int AS b10,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 11)::int AS b11,
  min(received_at) AS first_seen, max(received_at) AS last_seen
FROM mapper_receptions GROUP BY h3_r10, time_bucket(INTERVAL '1 day', received_at), hotspot WITH NO DATA;
SELECT add_continuous_aggregate_policy('coverage_r10_day', start_offset => NULL, end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '5 minutes');
CREATE MATERIALIZED VIEW coverage_r9_day WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT h3_r9 AS h3, time_bucket(INTERVAL '1 day', received_at) AS day, hotspot,
  count(*)::int AS n, max(rssi) AS rssi_best, last(snr, rssi) AS snr_best,
  sum(rssi)::float8 AS rssi_sum, sum(snr)::float8 AS snr_sum,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 0)::int AS b0,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 1)::int AS b1,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 2)::int AS b2,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 3)::int AS b3,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 4)::int AS b4,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 5)::int AS b5,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 6)::int AS b6,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 7)::int AS b7,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 8)::int AS b8,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 9)::int AS b9,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 10)::int AS b10,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 11)::int AS b11,
  min(received_at) AS first_seen, max(received_at) AS last_seen
FROM mapper_receptions GROUP BY h3_r9, time_bucket(INTERVAL '1 day', received_at), hotspot WITH NO DATA;
SELECT add_continuous_aggregate_policy('coverage_r9_day', start_offset => NULL, end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '5 minutes');
CREATE MATERIALIZED VIEW coverage_r8_day WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT h3_r8 AS h3, time_bucket(INTERVAL '1 day', received_at) AS day, hotspot,
  count(*)::int AS n, max(rssi) AS rssi_best, last(snr, rssi) AS snr_best,
  sum(rssi)::float8 AS rssi_sum, sum(snr)::float8 AS snr_sum,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 0)::int AS b0,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 1)::int AS b1,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 2)::int AS b2,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 3)::int AS b3,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 4)::int AS b4,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 5)::int AS b5,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 6)::int AS b6,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 7)::int AS b7,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 8)::int AS b8,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 9)::int AS b9,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 10)::int AS b10,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 11)::int AS b11,
  min(received_at) AS first_seen, max(received_at) AS last_seen
FROM mapper_receptions GROUP BY h3_r8, time_bucket(INTERVAL '1 day', received_at), hotspot WITH NO DATA;
SELECT add_continuous_aggregate_policy('coverage_r8_day', start_offset => NULL, end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '5 minutes');
CREATE MATERIALIZED VIEW coverage_r7_day WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT h3_r7 AS h3, time_bucket(INTERVAL '1 day', received_at) AS day, hotspot,
  count(*)::int AS n, max(rssi) AS rssi_best, last(snr, rssi) AS snr_best,
  sum(rssi)::float8 AS rssi_sum, sum(snr)::float8 AS snr_sum,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 0)::int AS b0,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 1)::int AS b1,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 2)::int AS b2,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 3)::int AS b3,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 4)::int AS b4,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 5)::int AS b5,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 6)::int AS b6,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 7)::int AS b7,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 8)::int AS b8,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 9)::int AS b9,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 10)::int AS b10,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 11)::int AS b11,
  min(received_at) AS first_seen, max(received_at) AS last_seen
FROM mapper_receptions GROUP BY h3_r7, time_bucket(INTERVAL '1 day', received_at), hotspot WITH NO DATA;
SELECT add_continuous_aggregate_policy('coverage_r7_day', start_offset => NULL, end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '5 minutes');
CREATE MATERIALIZED VIEW coverage_r6_day WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT h3_r6 AS h3, time_bucket(INTERVAL '1 day', received_at) AS day, hotspot,
  count(*)::int AS n, max(rssi) AS rssi_best, last(snr, rssi) AS snr_best,
  sum(rssi)::float8 AS rssi_sum, sum(snr)::float8 AS snr_sum,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 0)::int AS b0,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 1)::int AS b1,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 2)::int AS b2,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 3)::int AS b3,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 4)::int AS b4,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 5)::int AS b5,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 6)::int AS b6,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 7)::int AS b7,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 8)::int AS b8,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 9)::int AS b9,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 10)::int AS b10,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 11)::int AS b11,
  min(received_at) AS first_seen, max(received_at) AS last_seen
FROM mapper_receptions GROUP BY h3_r6, time_bucket(INTERVAL '1 day', received_at), hotspot WITH NO DATA;
SELECT add_continuous_aggregate_policy('coverage_r6_day', start_offset => NULL, end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '5 minutes');
CREATE MATERIALIZED VIEW coverage_r5_day WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT h3_r5 AS h3, time_bucket(INTERVAL '1 day', received_at) AS day, hotspot,
  count(*)::int AS n, max(rssi) AS rssi_best, last(snr, rssi) AS snr_best,
  sum(rssi)::float8 AS rssi_sum, sum(snr)::float8 AS snr_sum,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 0)::int AS b0,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 1)::int AS b1,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 2)::int AS b2,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 3)::int AS b3,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 4)::int AS b4,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 5)::int AS b5,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 6)::int AS b6,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 7)::int AS b7,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 8)::int AS b8,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 9)::int AS b9,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 10)::int AS b10,
  count(*) FILTER (WHERE LEAST(11, GREATEST(0, floor((-95 - (rssi + LEAST(snr, 0))) / 5)::int + 1)) = 11)::int AS b11,
  min(received_at) AS first_seen, max(received_at) AS last_seen
FROM mapper_receptions GROUP BY h3_r5, time_bucket(INTERVAL '1 day', received_at), hotspot WITH NO DATA;
SELECT add_continuous_aggregate_policy('coverage_r5_day', start_offset => NULL, end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '5 minutes');

CREATE VIEW coverage_hex_day AS
SELECT 10::smallint AS res, h3, day, hotspot, n, rssi_best, snr_best, rssi_sum, snr_sum, b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11, first_seen, last_seen FROM coverage_r10_day
UNION ALL SELECT 9::smallint AS res, h3, day, hotspot, n, rssi_best, snr_best, rssi_sum, snr_sum, b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11, first_seen, last_seen FROM coverage_r9_day
UNION ALL SELECT 8::smallint AS res, h3, day, hotspot, n, rssi_best, snr_best, rssi_sum, snr_sum, b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11, first_seen, last_seen FROM coverage_r8_day
UNION ALL SELECT 7::smallint AS res, h3, day, hotspot, n, rssi_best, snr_best, rssi_sum, snr_sum, b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11, first_seen, last_seen FROM coverage_r7_day
UNION ALL SELECT 6::smallint AS res, h3, day, hotspot, n, rssi_best, snr_best, rssi_sum, snr_sum, b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11, first_seen, last_seen FROM coverage_r6_day
UNION ALL SELECT 5::smallint AS res, h3, day, hotspot, n, rssi_best, snr_best, rssi_sum, snr_sum, b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11, first_seen, last_seen FROM coverage_r5_day;

-- Per-(resolution, hex) totals: a plain view over the continuous aggregates (same columns as the
-- plain branch's table; the hex filters are pushed below the GROUP BY).
CREATE VIEW coverage_hex AS
SELECT res, h3, sum(n)::int AS n, max(rssi_best) AS rssi_best, (max(ARRAY[rssi_best, snr_best]))[2] AS snr_best,
  sum(rssi_sum) AS rssi_sum, sum(snr_sum) AS snr_sum, sum(b0)::int AS b0, sum(b1)::int AS b1, sum(b2)::int AS b2, sum(b3)::int AS b3, sum(b4)::int AS b4, sum(b5)::int AS b5, sum(b6)::int AS b6, sum(b7)::int AS b7, sum(b8)::int AS b8, sum(b9)::int AS b9, sum(b10)::int AS b10, sum(b11)::int AS b11,
  count(DISTINCT hotspot)::int AS gateways, count(*)::int AS pairs, min(first_seen) AS first_seen, max(last_seen) AS last_seen
FROM coverage_hex_day GROUP BY res, h3;
