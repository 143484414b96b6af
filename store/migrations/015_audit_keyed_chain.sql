-- Keyed audit chain (issue 12, M4). Every row is hashed with HMAC-SM3 under an audit key derived from the
-- master key and names that key (key_id = master key id); the head names the key new rows use. An unkeyed
-- SM3 chain could be edited and re-chained by anyone with write access to the table; a keyed one only by
-- someone who also holds the key. key_id NULL marks a legacy row written before this migration: the
-- runtime re-chains those once under the key at first start (audit/chain-upgrade.ts) and records it.
ALTER TABLE audit_log ADD COLUMN key_id text;
ALTER TABLE audit_head ADD COLUMN key_id text;

-- The re-chain is the only UPDATE ever allowed: inside a transaction that set yingzhi.audit_rekey = 'on',
-- of a legacy row (key_id NULL) to a keyed one, changing nothing but prev_hash, hash and key_id. A keyed
-- row can never be rewritten, whatever the session sets.
CREATE OR REPLACE FUNCTION audit_log_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('yingzhi.audit_purge', true) = 'on' THEN
    IF OLD.at < now() - interval '180 days' THEN
      RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_log row % is younger than 180 days and cannot be purged', OLD.seq;
  END IF;
  IF TG_OP = 'UPDATE' AND current_setting('yingzhi.audit_rekey', true) = 'on'
     AND OLD.key_id IS NULL AND NEW.key_id IS NOT NULL
     AND NEW.seq = OLD.seq AND NEW.at = OLD.at AND NEW.actor = OLD.actor AND NEW.action = OLD.action
     AND NEW.target IS NOT DISTINCT FROM OLD.target AND NEW.details = OLD.details THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_log is append-only: % of row % refused', TG_OP, OLD.seq;
END $$;

-- The head only moves forward; the one exception is the re-chain, which gives an unkeyed head its key
-- (and the re-chained hash) without moving it — or rebinds an empty log (seq 0: nothing hashed yet).
CREATE OR REPLACE FUNCTION audit_head_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.seq > OLD.seq THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.seq = OLD.seq AND current_setting('yingzhi.audit_rekey', true) = 'on'
     AND (OLD.key_id IS NULL OR OLD.seq = 0) AND NEW.key_id IS NOT NULL THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_head only moves forward: % refused', TG_OP;
END $$;
