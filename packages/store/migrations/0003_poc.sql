-- Proof-of-coverage outputs of services/poc: verdicts with the numbers behind them, reward
-- shares, per-hotspot PoC state, and the operator's denylist.

CREATE TABLE poc_verdicts (
  poc_id        bytea PRIMARY KEY,                 -- the beacon's report id
  beaconer      text NOT NULL,
  received_at   timestamptz NOT NULL,
  ruleset       text NOT NULL,
  valid         boolean NOT NULL,
  reason        text,
  hex_scale     numeric(6, 4),
  reward_unit   numeric(8, 4) NOT NULL,
  evidence      jsonb NOT NULL,                    -- distances, RSSI bound, lag, window… (README)
  verified_at   timestamptz NOT NULL
);
CREATE INDEX poc_verdicts_beaconer_idx ON poc_verdicts (beaconer, received_at DESC);
CREATE INDEX poc_verdicts_time_idx ON poc_verdicts (received_at);

CREATE TABLE witness_verdicts (
  witness_id    bytea PRIMARY KEY,                 -- the witness's report id
  poc_id        bytea,                             -- NULL for an orphan (no beacon matched)
  witness       text NOT NULL,
  received_at   timestamptz NOT NULL,
  valid         boolean NOT NULL,
  reason        text,
  side          text,                              -- 'beaconer' when it carries its beacon's reason
  selected      boolean NOT NULL,
  reward_unit   numeric(8, 4) NOT NULL,
  evidence      jsonb NOT NULL
);
CREATE INDEX witness_verdicts_witness_idx ON witness_verdicts (witness, received_at DESC);
CREATE INDEX witness_verdicts_poc_idx ON witness_verdicts (poc_id);

-- Helium's gateway_shares: hex_scale x reward_unit per hotspot per PoC, consumed by rewards.
CREATE TABLE poc_reward_shares (
  poc_id        bytea NOT NULL,
  hotspot       text NOT NULL,
  role          text NOT NULL CHECK (role IN ('beacon', 'witness')),
  reward_at     timestamptz NOT NULL,
  hex_scale     numeric(6, 4) NOT NULL,
  reward_unit   numeric(8, 4) NOT NULL,
  shares        numeric(20, 8) NOT NULL,
  PRIMARY KEY (poc_id, hotspot, role)
);
CREATE INDEX poc_reward_shares_time_idx ON poc_reward_shares (reward_at);

CREATE TABLE poc_hotspot_state (
  address                      text PRIMARY KEY,
  last_beacon_ms               bigint,            -- 6-h window rule
  last_witness_ms              bigint,            -- beacon reciprocity
  last_beacon_with_witness_ms  bigint             -- witness reciprocity, interactivity (hex density)
);

CREATE TABLE denylist_keys (
  address   text PRIMARY KEY,
  tag       text NOT NULL,
  added_at  timestamptz NOT NULL
);
CREATE TABLE denylist_edges (
  a         text NOT NULL,                       -- a < b: edges are unordered
  b         text NOT NULL,
  tag       text NOT NULL,
  added_at  timestamptz NOT NULL,
  PRIMARY KEY (a, b),
  CHECK (a < b)
);
