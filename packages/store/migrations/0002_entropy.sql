-- Entropy the network published on network/entropy; beacons are joined to it by exact bytes.
CREATE TABLE entropy (
  data        bytea PRIMARY KEY,        -- 32 bytes
  timestamp   bigint NOT NULL,          -- unix seconds: start of validity
  version     integer NOT NULL,
  created_at  timestamptz NOT NULL
);
CREATE INDEX entropy_timestamp_idx ON entropy (timestamp);
