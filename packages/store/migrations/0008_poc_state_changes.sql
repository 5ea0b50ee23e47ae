-- Verifier runners on several processes keep the per-hotspot PoC state in memory: each reads the
-- rows another runner changed (changed_at, the writing transaction's time) before judging its
-- next batch, so a hotspot's 6-h window and reciprocity see every runner's verdicts.
ALTER TABLE poc_hotspot_state ADD COLUMN changed_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX poc_hotspot_state_changed_at ON poc_hotspot_state (changed_at);
