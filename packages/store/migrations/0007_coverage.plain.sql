-- Without TimescaleDB maps keeps the per-(resolution, hex, hotspot, day) aggregates itself:
-- upserts in the transaction that records the measurement (maps/src/aggregate.ts), res 10 .. 5.
CREATE TABLE coverage_hex_day (
  res         smallint NOT NULL,
  h3          bigint NOT NULL,
  day         timestamptz NOT NULL,            -- UTC midnight
  hotspot     text NOT NULL,
  n           integer NOT NULL,                -- receptions
  rssi_best   real NOT NULL,
  snr_best    real NOT NULL,                   -- SNR of the best-RSSI reception (ties: the best SNR)
  rssi_sum    double precision NOT NULL,
  snr_sum     double precision NOT NULL,
  -- 5 dB histogram of sig = rssi + min(snr, 0): b0 > -95, b1 (-100, -95], ..., b10 (-145, -140], b11 <= -145
  b0          integer NOT NULL,
  b1          integer NOT NULL,
  b2          integer NOT NULL,
  b3          integer NOT NULL,
  b4          integer NOT NULL,
  b5          integer NOT NULL,
  b6          integer NOT NULL,
  b7          integer NOT NULL,
  b8          integer NOT NULL,
  b9          integer NOT NULL,
  b10          integer NOT NULL,
  b11          integer NOT NULL,
  first_seen  timestamptz NOT NULL,
  last_seen   timestamptz NOT NULL,
  PRIMARY KEY (res, h3, day, hotspot)
);
CREATE INDEX coverage_hex_day_hotspot_idx ON coverage_hex_day (hotspot, res);
CREATE INDEX mapper_receptions_time_brin ON mapper_receptions USING brin (received_at);
CREATE INDEX mapper_uplinks_time_brin ON mapper_uplinks USING brin (received_at);

-- Per-(resolution, hex) totals over all time, kept in the same upserts: a window that holds a hex's
-- whole history (first_seen .. last_seen) reads its row here instead of summing its day rows.
-- gateways = distinct hotspots (coverage_hex_hotspot), pairs = distinct (hotspot, day) rows.
CREATE TABLE coverage_hex (
  res         smallint NOT NULL,
  h3          bigint NOT NULL,
  n           integer NOT NULL,
  rssi_best   real NOT NULL,
  snr_best    real NOT NULL,
  rssi_sum    double precision NOT NULL,
  snr_sum     double precision NOT NULL,
  b0          integer NOT NULL,
  b1          integer NOT NULL,
  b2          integer NOT NULL,
  b3          integer NOT NULL,
  b4          integer NOT NULL,
  b5          integer NOT NULL,
  b6          integer NOT NULL,
  b7          integer NOT NULL,
  b8          integer NOT NULL,
  b9          integer NOT NULL,
  b10         integer NOT NULL,
  b11         integer NOT NULL,
  gateways    integer NOT NULL,
  pairs       integer NOT NULL,
  first_seen  timestamptz NOT NULL,
  last_seen   timestamptz NOT NULL,
  PRIMARY KEY (res, h3)
);
CREATE TABLE coverage_hex_hotspot (
  res      smallint NOT NULL,
  h3       bigint NOT NULL,
  hotspot  text NOT NULL,
  PRIMARY KEY (res, h3, hotspot)
);
