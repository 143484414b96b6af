-- Collections (knowledge bases, issue 14 item 3): named groups of sources (胸部组, 神经组, 教学, 文献) with the roles
-- that may see them. A source belongs to one or more collections; search and chat read only the collections the
-- caller's role can see (admins and source managers see every collection). The default collection 「全院知识库」
-- is visible to every role and holds every existing source, so nothing changes for an existing install; a new
-- source joins it when it is registered (trigger below), whatever the path (upload, PubMed import, demo, CLI).
CREATE TABLE collections (
  id          text PRIMARY KEY,
  name        text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 60),
  description text NOT NULL DEFAULT '',
  roles       text[] NOT NULL DEFAULT '{}',
  is_default  boolean NOT NULL DEFAULT false,
  demo        boolean NOT NULL DEFAULT false,
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX collections_name ON collections (lower(btrim(name)));
CREATE UNIQUE INDEX collections_one_default ON collections (is_default) WHERE is_default;

CREATE TABLE collection_sources (
  collection_id text NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
  source_id     text NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
  added_by      text NOT NULL,
  added_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (collection_id, source_id)
);
CREATE INDEX collection_sources_source ON collection_sources (source_id, collection_id);

INSERT INTO collections (id, name, description, roles, is_default, created_by)
VALUES ('col_default', '全院知识库', '全科共享的指南、教材与文献；新导入的来源默认归入此库。',
        ARRAY['admin', 'director', 'physician', 'technician', 'resident', 'teacher', 'expert'], true, 'system');
INSERT INTO collection_sources (collection_id, source_id, added_by) SELECT 'col_default', id, 'system' FROM sources;

CREATE FUNCTION collections_default_member() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO collection_sources (collection_id, source_id, added_by)
  SELECT c.id, NEW.id, coalesce(NEW.uploaded_by, 'system') FROM collections c WHERE c.is_default
  ON CONFLICT DO NOTHING;
  RETURN NEW;
END $$;
CREATE TRIGGER sources_default_collection AFTER INSERT ON sources
  FOR EACH ROW EXECUTE PROCEDURE collections_default_member();
