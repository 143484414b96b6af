-- Version counters for caches kept in process memory (issue 20): a process caches derived data with the
-- version it read, and one cheap primary-key read tells it whether another process changed the source
-- since. Counters move by triggers, so no writer has to remember to invalidate.
CREATE TABLE cache_versions (
  name    text PRIMARY KEY,
  version bigint NOT NULL DEFAULT 0
);
INSERT INTO cache_versions (name) VALUES ('vocabulary');

-- Bumped once per transaction that changes entities or aliases (the entity resolver's surfaces), at
-- commit: a deferred trigger takes the counter's row lock last, after every entity row the transaction
-- wrote, so two writers can never wait on each other in opposite orders. The transaction-local setting
-- keeps a bulk vocabulary import to one counter update.
CREATE FUNCTION bump_vocabulary_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF coalesce(current_setting('yingzhi.vocabulary_bumped', true), '') = 'on' THEN RETURN NULL; END IF;
  PERFORM set_config('yingzhi.vocabulary_bumped', 'on', true);
  UPDATE cache_versions SET version = version + 1 WHERE name = 'vocabulary';
  RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER kg_entities_vocabulary_version AFTER INSERT OR UPDATE OR DELETE ON kg_entities
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_vocabulary_version();
CREATE CONSTRAINT TRIGGER kg_aliases_vocabulary_version AFTER INSERT OR UPDATE OR DELETE ON kg_aliases
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_vocabulary_version();
