-- Rewards ledger of services/rewards: one row per closed epoch, the per-hotspot rewards of each
-- epoch (append-only), and lifetime totals per owner (owed = lifetime - paid). Amounts are token
-- base units (bones) as numeric(39,0): exact, and wide enough for any u128 amount.

CREATE TABLE reward_epochs (
  epoch                bigint PRIMARY KEY,                -- floor(start_ms / epoch length)
  start_at             timestamptz NOT NULL,
  end_at               timestamptz NOT NULL,              -- exclusive
  status               text NOT NULL DEFAULT 'closed' CHECK (status IN ('closed')),
  emission             numeric(39, 0) NOT NULL,
  -- What each pool distributed (beacon/witness include the unused data pool; data is the capped value).
  beacon_pool          numeric(39, 0) NOT NULL,
  witness_pool         numeric(39, 0) NOT NULL,
  data_pool            numeric(39, 0) NOT NULL,
  operations_pool      numeric(39, 0) NOT NULL,
  oracles_pool         numeric(39, 0) NOT NULL,
  treasury_pool        numeric(39, 0) NOT NULL,
  beacon_unallocated   numeric(39, 0) NOT NULL,
  witness_unallocated  numeric(39, 0) NOT NULL,
  data_unallocated     numeric(39, 0) NOT NULL,
  manifest             jsonb NOT NULL,                    -- inputs, exact share totals, rates, data cap
  closed_at            timestamptz NOT NULL,
  CHECK (end_at > start_at)
);

CREATE TABLE hotspot_rewards (
  epoch    bigint NOT NULL REFERENCES reward_epochs (epoch),
  hotspot  text NOT NULL,
  owner    text NOT NULL,                                 -- hotspots.owner when the epoch closed
  beacon   numeric(39, 0) NOT NULL,
  witness  numeric(39, 0) NOT NULL,
  data     numeric(39, 0) NOT NULL,
  total    numeric(39, 0) NOT NULL,
  PRIMARY KEY (epoch, hotspot),
  CHECK (total = beacon + witness + data)
);
CREATE INDEX hotspot_rewards_hotspot_idx ON hotspot_rewards (hotspot, epoch DESC);
CREATE INDEX hotspot_rewards_owner_idx ON hotspot_rewards (owner, epoch DESC);

CREATE TABLE owner_balances (
  owner     text PRIMARY KEY,
  lifetime  numeric(39, 0) NOT NULL DEFAULT 0,
  paid      numeric(39, 0) NOT NULL DEFAULT 0,
  CHECK (paid >= 0 AND paid <= lifetime)
);

-- DC carried per hotspot, the data-transfer reward input (written by the packet verifier, issue 6;
-- created here so an epoch close can read it before that lands).
CREATE TABLE data_transfer_shares (
  hotspot    text NOT NULL,
  reward_at  timestamptz NOT NULL,
  dc         bigint NOT NULL CHECK (dc >= 0)
);
CREATE INDEX data_transfer_shares_time_idx ON data_transfer_shares (reward_at);
