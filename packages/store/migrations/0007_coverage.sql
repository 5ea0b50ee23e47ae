-- Coverage (maps/): mapper measurements, their aggregates per H3 hex x hotspot x UTC day, the
-- coverage modelled from valid PoC witness links, and the carrier API's metered usage.
-- H3 cells are bigint (the 15-hex-digit index; the top bit is 0). maps/README.md has the model.

-- One GPS-tagged uplink that one or more hotspots heard (after the ingest filters).
CREATE TABLE mapper_uplinks (
  id           bytea NOT NULL,                 -- SHA-256 of source, device and frame (mqtt) or time (http)
  received_at  timestamptz NOT NULL,           -- maps clock when recorded: the measurement's day
  source       text NOT NULL CHECK (source IN ('mqtt', 'http')),
  org_id       text,                           -- http: the organisation whose key sent it
  device       text NOT NULL,
  measured_at  timestamptz NOT NULL,           -- the mapper's own time (data)
  lat          double precision NOT NULL,
  lng          double precision NOT NULL,
  altitude     real,
  accuracy     real,
  hdop         real,
  h3_r10       bigint NOT NULL,
  hotspots     integer NOT NULL
);
CREATE INDEX mapper_uplinks_device_idx ON mapper_uplinks (device, received_at DESC);

-- Measurement ids already recorded (a hypertable's unique keys must include its time column).
CREATE TABLE mapper_uplink_ids (
  id           bytea PRIMARY KEY,
  received_at  timestamptz NOT NULL
);

-- One row per hotspot that heard a measurement: the unit every aggregate is built from.
CREATE TABLE mapper_receptions (
  received_at  timestamptz NOT NULL,
  uplink_id    bytea NOT NULL,
  device       text NOT NULL,
  hotspot      text NOT NULL,
  rssi         real NOT NULL,                  -- dBm
  snr          real NOT NULL,                  -- dB
  distance_m   real NOT NULL,                  -- mapper to the hotspot's asserted location
  h3_r10       bigint NOT NULL,
  h3_r9        bigint NOT NULL,
  h3_r8        bigint NOT NULL,
  h3_r7        bigint NOT NULL,
  h3_r6        bigint NOT NULL,
  h3_r5        bigint NOT NULL
);
CREATE INDEX mapper_receptions_hotspot_idx ON mapper_receptions (hotspot, received_at DESC);
CREATE INDEX mapper_receptions_hex_idx ON mapper_receptions (h3_r10, received_at DESC);

-- Modelled coverage from valid PoC witness links, for hexes nobody mapped (source 'estimated').
-- Rebuilt as a whole by maps from the last MAPS_ESTIMATE_DAYS of witness verdicts.
CREATE TABLE coverage_estimated (
  res        smallint NOT NULL,
  h3         bigint NOT NULL,
  rssi       real NOT NULL,                    -- estimated dBm (free-space from the link's RSSI)
  snr        real NOT NULL,
  links      integer NOT NULL,                 -- valid witness links through this hex
  hotspots   integer NOT NULL,                 -- distinct hotspots of those links
  last_seen  timestamptz NOT NULL,
  PRIMARY KEY (res, h3)
);

-- Carrier API usage: one row per billed request (request_id is the dc_ledger burn ref 'maps:<id>').
CREATE TABLE maps_usage (
  request_id  text PRIMARY KEY,
  org_id      text NOT NULL REFERENCES organisations (id),
  at          timestamptz NOT NULL,
  endpoint    text NOT NULL,
  units       integer NOT NULL CHECK (units >= 0),   -- hexes returned (tiles: features)
  dc          bigint NOT NULL CHECK (dc >= 0)
);
CREATE INDEX maps_usage_org_idx ON maps_usage (org_id, at DESC);
