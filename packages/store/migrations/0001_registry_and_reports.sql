-- Hotspot registry and the raw report tables written by services/ingest.
-- Plain PostgreSQL only; Timescale-specific statements live in the .timescale.sql variant.

CREATE TABLE hotspots (
  address           text PRIMARY KEY,                 -- base58check address (wire.md §1)
  key_binary        bytea NOT NULL UNIQUE,            -- tag byte || ed25519 public key (33 bytes)
  owner             text NOT NULL,                    -- Solana wallet, base58
  capability        text NOT NULL DEFAULT 'full' CHECK (capability IN ('full', 'data_only')),
  location          text,                             -- asserted H3 res-12 cell, NULL = not asserted
  region            text,                             -- US915, EU868, … (NULL until asserted)
  gain              integer NOT NULL DEFAULT 12,      -- dBi x 10 (Helium's default 1.2 dBi)
  elevation         integer NOT NULL DEFAULT 0,       -- metres above ground
  assert_nonce      bigint NOT NULL DEFAULT 0,        -- last accepted assertion nonce (replay guard)
  onboarded_at      timestamptz NOT NULL,
  asserted_at       timestamptz,
  online            boolean NOT NULL DEFAULT false,
  last_seen_at      timestamptz,                      -- last connect, state message or report
  state_changed_at  timestamptz
);
CREATE INDEX hotspots_owner_idx ON hotspots (owner);

-- Every accepted assertion, so the verifier can judge a report by the metadata in force when it
-- was received (spec/poc-replay.md: "a later hotspot event replaces its metadata from at_ms on").
CREATE TABLE hotspot_assertions (
  address      text NOT NULL REFERENCES hotspots (address),
  nonce        bigint NOT NULL,
  asserted_at  timestamptz NOT NULL,
  location     text,
  region       text,
  gain         integer NOT NULL,
  elevation    integer NOT NULL,
  capability   text NOT NULL,
  owner_signature bytea NOT NULL,
  PRIMARY KEY (address, nonce)
);

-- Report ids already stored (wire.md §5: a duplicate delivery is acknowledged and dropped).
-- Kept apart from the report tables because a hypertable's unique keys must include its time
-- column, while a resend arrives with a new receive time.
CREATE TABLE report_ids (
  id           bytea PRIMARY KEY,                     -- SHA-256 of the published payload
  received_at  timestamptz NOT NULL
);

CREATE TABLE beacon_reports (
  id              bytea NOT NULL,
  received_at     timestamptz NOT NULL,               -- ingest clock, the only trusted time
  hotspot         text NOT NULL,
  local_entropy   bytea NOT NULL,
  remote_entropy  bytea NOT NULL,
  data            bytea NOT NULL,
  frequency       bigint NOT NULL,                    -- Hz
  channel         integer NOT NULL,
  datarate        integer NOT NULL,                   -- helium.data_rate enum
  tx_power        integer NOT NULL,                   -- dBm
  hotspot_ts      numeric(20, 0) NOT NULL,            -- ns, hotspot clock (data, never trusted)
  tmst            bigint NOT NULL,                    -- concentrator µs counter
  payload         bytea NOT NULL                      -- exact signed bytes as published
);

CREATE TABLE witness_reports (
  id              bytea NOT NULL,
  received_at     timestamptz NOT NULL,
  hotspot         text NOT NULL,
  data            bytea NOT NULL,
  signal          integer NOT NULL,                   -- dBm x 10
  snr             integer NOT NULL,                   -- dB x 10
  frequency       bigint NOT NULL,
  datarate        integer NOT NULL,
  hotspot_ts      numeric(20, 0) NOT NULL,
  tmst            bigint NOT NULL,
  payload         bytea NOT NULL
);

CREATE INDEX beacon_reports_hotspot_idx ON beacon_reports (hotspot, received_at DESC);
CREATE INDEX witness_reports_hotspot_idx ON witness_reports (hotspot, received_at DESC);
CREATE INDEX witness_reports_data_idx ON witness_reports (data);

-- Connection events from the retained state topic and the last will.
CREATE TABLE hotspot_state_events (
  hotspot      text NOT NULL,
  at           timestamptz NOT NULL,
  online       boolean NOT NULL
);
CREATE INDEX hotspot_state_events_idx ON hotspot_state_events (hotspot, at DESC);
