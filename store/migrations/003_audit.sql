-- Audit log (Security): append-only and hash-chained with SM3. Rows are written only through
-- audit/AuditLog (which assigns the gapless seq and computes the hashes in JS); see audit/index.ts.
-- hash = SM3(prev_hash || canonical JSON of (seq, at, actor, action, target, details)), hex.
CREATE TABLE audit_log (
  seq       bigint PRIMARY KEY CHECK (seq >= 1),
  at        timestamptz NOT NULL CHECK (at = date_trunc('milliseconds', at)), -- hashed as an ISO string with ms
  actor     text NOT NULL,
  action    text NOT NULL,
  target    text,
  details   jsonb NOT NULL DEFAULT '{}',
  prev_hash text NOT NULL,
  hash      text NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
-- Retention anchors: verify finds the latest purge record without scanning the log.
CREATE INDEX audit_log_purges ON audit_log (seq) WHERE action = 'audit.purge';

-- The chain head: one row, locked FOR UPDATE by every append (serialises writers across processes),
-- and the record of the last seq, so rows deleted from the end of the log are detected too.
CREATE TABLE audit_head (
  id   int PRIMARY KEY CHECK (id = 1),
  seq  bigint NOT NULL,
  hash text NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, repeat('0', 64));

-- Append-only at the database level too. UPDATE is always refused; DELETE only inside a retention
-- purge (SET LOCAL yingzhi.audit_purge = 'on', see audit/retention.ts) and only for rows older than
-- the 180-day floor, whatever the application asks. (EXECUTE PROCEDURE: the spelling PostgreSQL-
-- compatible databases such as openGauss and KingbaseES accept as well.)
CREATE FUNCTION audit_log_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('yingzhi.audit_purge', true) = 'on' THEN
    IF OLD.at < now() - interval '180 days' THEN
      RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_log row % is younger than 180 days and cannot be purged', OLD.seq;
  END IF;
  RAISE EXCEPTION 'audit_log is append-only: % of row % refused', TG_OP, OLD.seq;
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE PROCEDURE audit_log_guard();

CREATE FUNCTION audit_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: TRUNCATE refused', TG_TABLE_NAME;
END $$;
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE PROCEDURE audit_no_truncate();

-- The head only moves forward and is never deleted.
CREATE FUNCTION audit_head_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.seq > OLD.seq THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_head only moves forward: % refused', TG_OP;
END $$;
CREATE TRIGGER audit_head_forward_only BEFORE UPDATE OR DELETE ON audit_head
  FOR EACH ROW EXECUTE PROCEDURE audit_head_guard();
CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head
  FOR EACH STATEMENT EXECUTE PROCEDURE audit_no_truncate();
