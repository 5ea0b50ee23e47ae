-- Payouts of services/rewards: what must happen on Solana (jobs), the exact transactions signed
-- for it (the outbox, written before the first send), and the owners each payout job pays.
--
-- A job is one once-only unit on chain: the mint of one epoch's rewards into the escrow
-- (`m:<epoch>`) or one transfer batch of a payout run (`p:<run>:<batch>`). Its id is also the seed
-- of the on-chain marker account its transaction creates, so the chain itself refuses to execute
-- a job twice. Amounts are token base units as numeric(39,0), like the rewards ledger.

CREATE TABLE payout_runs (
  run          bigint PRIMARY KEY,
  created_at   timestamptz NOT NULL,
  min_payout   numeric(39, 0) NOT NULL,
  owners       integer NOT NULL,
  total        numeric(39, 0) NOT NULL,
  batches      integer NOT NULL,
  done_at      timestamptz
);

CREATE TABLE payout_jobs (
  job              text PRIMARY KEY,                  -- marker seed: m:<epoch> or p:<run>:<batch>
  kind             text NOT NULL CHECK (kind IN ('mint', 'payout')),
  epoch            bigint REFERENCES reward_epochs (epoch),      -- mint jobs
  run              bigint REFERENCES payout_runs (run),          -- payout jobs
  batch            integer,
  amount           numeric(39, 0) NOT NULL CHECK (amount > 0),
  state            text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'stuck')),
  signature        text,                              -- the attempt that landed (done)
  slot             bigint,
  attempts         integer NOT NULL DEFAULT 0,
  failures         integer NOT NULL DEFAULT 0,        -- attempts that executed and failed, or were refused
  next_attempt_at  timestamptz,                       -- back-off after a failure
  last_error       text,
  created_at       timestamptz NOT NULL,
  done_at          timestamptz,
  CHECK ((kind = 'mint' AND epoch IS NOT NULL AND run IS NULL) OR (kind = 'payout' AND run IS NOT NULL AND batch IS NOT NULL)),
  CHECK (state <> 'done' OR signature IS NOT NULL)
);
CREATE UNIQUE INDEX payout_jobs_mint_epoch_idx ON payout_jobs (epoch) WHERE kind = 'mint';
CREATE INDEX payout_jobs_open_idx ON payout_jobs (state) WHERE state <> 'done';

-- The owners a payout job pays, frozen when the run is created (sorted by owner).
CREATE TABLE payout_items (
  job     text NOT NULL REFERENCES payout_jobs (job),
  owner   text NOT NULL,
  amount  numeric(39, 0) NOT NULL CHECK (amount > 0),
  PRIMARY KEY (job, owner)
);
CREATE INDEX payout_items_owner_idx ON payout_items (owner);

-- The outbox: every signed attempt of a job, committed before its first send. Re-signing (a new
-- row) happens only after the previous attempt's blockhash expired without it landing.
CREATE TABLE chain_transactions (
  signature               text PRIMARY KEY,
  job                     text NOT NULL REFERENCES payout_jobs (job),
  bytes                   bytea NOT NULL,
  blockhash               text NOT NULL,
  last_valid_block_height bigint NOT NULL,
  state                   text NOT NULL CHECK (state IN ('signed', 'sent', 'landed', 'failed', 'expired', 'rejected')),
  error                   text,
  slot                    bigint,
  sends                   integer NOT NULL DEFAULT 0,
  created_at              timestamptz NOT NULL,
  updated_at              timestamptz NOT NULL
);
CREATE INDEX chain_transactions_job_idx ON chain_transactions (job);
CREATE INDEX chain_transactions_live_idx ON chain_transactions (state) WHERE state IN ('signed', 'sent');
