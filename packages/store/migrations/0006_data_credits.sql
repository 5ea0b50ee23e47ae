-- The carried-data money path (issue 6). services/rewards owns the accounts: organisations, their
-- API keys, Data Credit balances and the append-only DC ledger, DevAddr ranges and devices, and
-- card payments. services/ingest meters packets against them: every accepted copy of a device's
-- uplink is stored, the first `multi_buy` copies (by receive time) are bought, their DC burned
-- from the organisation in the same transaction, and each bought copy credits the hotspot that
-- carried it in data_transfer_shares (0004), which the epoch close turns into data rewards.
--
-- DC are whole units (1 DC = $0.00001) as bigint; a balance never goes below zero.

CREATE TABLE organisations (
  id               text PRIMARY KEY,                  -- org_<16 hex>
  name             text NOT NULL,
  created_at       timestamptz NOT NULL,
  multi_buy        integer NOT NULL DEFAULT 1 CHECK (multi_buy BETWEEN 1 AND 100),  -- copies bought per uplink
  dc_balance       bigint NOT NULL DEFAULT 0 CHECK (dc_balance >= 0),
  -- Disabled: its packets are stored but not bought until a credit lifts the balance again.
  disabled         boolean NOT NULL DEFAULT false,
  disabled_reason  text CHECK (disabled_reason IN ('insufficient_balance', 'operator')),
  disabled_at      timestamptz
);

-- Only the SHA-256 of a key is kept; the key itself is shown once, at signup or rotation.
CREATE TABLE org_api_keys (
  key_hash    bytea PRIMARY KEY,
  org_id      text NOT NULL REFERENCES organisations (id),
  prefix      text NOT NULL,                          -- the key's first characters, to tell keys apart
  created_at  timestamptz NOT NULL,
  revoked_at  timestamptz
);
CREATE INDEX org_api_keys_org_idx ON org_api_keys (org_id);

-- Append-only: every change of a balance is one row, and balance_after is the balance it left.
-- purchase (+, a paid card checkout, ref = the provider's checkout id), grant (+, operator, ref
-- given by the operator), refund (−, a refunded card payment, ref = the provider's refund id),
-- burn (−, packets bought in one ingest batch, ref = b:<batch id>). (kind, ref) is unique, so a
-- replayed event or batch changes nothing.
CREATE TABLE dc_ledger (
  seq            bigserial PRIMARY KEY,
  org_id         text NOT NULL REFERENCES organisations (id),
  at             timestamptz NOT NULL,
  kind           text NOT NULL CHECK (kind IN ('purchase', 'burn', 'refund', 'grant')),
  amount         bigint NOT NULL,                     -- signed DC
  balance_after  bigint NOT NULL CHECK (balance_after >= 0),
  ref            text NOT NULL,
  details        jsonb,                               -- purchase: amount paid; burn: packets, bytes
  UNIQUE (kind, ref, org_id),
  CHECK ((kind IN ('purchase', 'grant') AND amount > 0) OR (kind IN ('burn', 'refund') AND amount <= 0))
);
CREATE INDEX dc_ledger_org_idx ON dc_ledger (org_id, seq DESC);

-- DevAddr ranges (inclusive, as unsigned 32-bit integers) an organisation routes; ranges never
-- overlap (checked under a table lock when one is added).
CREATE TABLE devaddr_ranges (
  id          bigserial PRIMARY KEY,
  org_id      text NOT NULL REFERENCES organisations (id),
  start_addr  bigint NOT NULL,
  end_addr    bigint NOT NULL,
  created_at  timestamptz NOT NULL,
  CHECK (start_addr >= 0 AND end_addr <= 4294967295 AND start_addr <= end_addr)
);
CREATE INDEX devaddr_ranges_start_idx ON devaddr_ranges (start_addr);

-- A device belongs to one organisation; joins route by its DevEUI, uplinks by its DevAddr's range.
CREATE TABLE devices (
  dev_eui     text PRIMARY KEY,                       -- 16 lowercase hex digits
  org_id      text NOT NULL REFERENCES organisations (id),
  join_eui    text,                                   -- 16 lowercase hex digits
  dev_addr    bigint,                                 -- its current session's DevAddr, in one of its org's ranges
  name        text,
  created_at  timestamptz NOT NULL
);
CREATE INDEX devices_org_idx ON devices (org_id);
CREATE INDEX devices_addr_idx ON devices (dev_addr);

-- Every accepted copy of a device frame a hotspot carried (refused ones are only counted, as for
-- beacons and witnesses). bought = this copy was paid for (dc > 0 for uplinks); otherwise reason
-- says why not: multi_buy (the group already had its copies), insufficient_balance, disabled,
-- join (joins are carried free and earn nothing, as on Helium).
CREATE TABLE packet_reports (
  id            bytea NOT NULL,                       -- report id (report_ids dedups resends)
  received_at   timestamptz NOT NULL,
  hotspot       text NOT NULL,
  org_id        text NOT NULL,
  mtype         smallint NOT NULL,                    -- LoRaWAN MType (0 join request, 2/4 up)
  dev_addr      bigint,                               -- uplinks
  dev_eui       text,                                 -- joins
  fcnt          integer,                              -- uplinks: the frame's 16-bit FCnt
  payload_size  integer NOT NULL,                     -- PHYPayload bytes (the DC basis)
  payload_hash  bytea NOT NULL,                       -- SHA-256 of the PHYPayload: the dedup key
  rssi          integer NOT NULL,                     -- dBm
  snr           real NOT NULL,                        -- dB
  frequency     bigint NOT NULL,                      -- Hz
  datarate      integer NOT NULL,                     -- helium.data_rate enum
  hotspot_ts    bigint NOT NULL,                      -- ms, hotspot clock (data, never trusted)
  bought        boolean NOT NULL,
  dc            integer NOT NULL CHECK (dc >= 0),
  reason        text CHECK (reason IN ('multi_buy', 'insufficient_balance', 'disabled', 'join')),
  payload       bytea NOT NULL,                       -- exact signed bytes as published
  CHECK (bought = (reason IS NULL))
);
CREATE INDEX packet_reports_org_idx ON packet_reports (org_id, received_at DESC);
CREATE INDEX packet_reports_hotspot_idx ON packet_reports (hotspot, received_at DESC);
CREATE INDEX packet_reports_device_idx ON packet_reports (org_id, dev_addr, received_at DESC);

-- One row per deduplication group: copies of the same PHYPayload arriving within the window
-- after the first. A copy after the window starts a new group (a device may resend a frame).
CREATE TABLE packet_groups (
  payload_hash  bytea NOT NULL,
  first_at      timestamptz NOT NULL,
  org_id        text NOT NULL,
  copies        integer NOT NULL,
  bought        integer NOT NULL,
  PRIMARY KEY (payload_hash, first_at)
);
CREATE INDEX packet_groups_first_idx ON packet_groups (first_at);

-- Card checkouts started through the Payments port, and every webhook event seen (the event id
-- is the idempotency key: a replayed event is recorded once and credits nothing more).
CREATE TABLE payment_checkouts (
  id            text PRIMARY KEY,                     -- the provider's checkout session id
  provider      text NOT NULL,                        -- stripe | test
  org_id        text NOT NULL REFERENCES organisations (id),
  dc            bigint NOT NULL CHECK (dc > 0),
  amount_cents  bigint NOT NULL CHECK (amount_cents > 0),
  currency      text NOT NULL,
  url           text NOT NULL,
  status        text NOT NULL CHECK (status IN ('open', 'paid', 'expired')),
  created_at    timestamptz NOT NULL,
  paid_at       timestamptz
);
CREATE INDEX payment_checkouts_org_idx ON payment_checkouts (org_id, created_at DESC);

CREATE TABLE payment_events (
  provider     text NOT NULL,
  event_id     text NOT NULL,
  type         text NOT NULL,
  received_at  timestamptz NOT NULL,
  org_id       text,
  outcome      text NOT NULL,                         -- credited | refunded | expired | ignored
  PRIMARY KEY (provider, event_id)
);

CREATE INDEX data_transfer_shares_hotspot_idx ON data_transfer_shares (hotspot, reward_at DESC);
