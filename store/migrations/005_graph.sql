-- Graph read model in the product database (graph/pg-graph-store.ts): a projection of kg_outbox that
-- `yingzhi graph rebuild` can empty and replay. No foreign key between the two tables: the store keeps
-- integrity itself (a relation is only written when both endpoints exist; removing an entity removes its edges).

CREATE TABLE graph_entities (
  id       text PRIMARY KEY,
  type     text NOT NULL,
  name_zh  text NOT NULL,
  name_en  text NOT NULL DEFAULT '',
  aliases  text[] NOT NULL DEFAULT '{}',
  codes    jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX graph_entities_type ON graph_entities (type);

CREATE TABLE graph_relations (
  id          text PRIMARY KEY,
  subject_id  text NOT NULL,
  predicate   text NOT NULL,
  object_id   text NOT NULL,
  certainty   text NOT NULL,
  qualifiers  jsonb NOT NULL DEFAULT '{}',
  confidence  double precision NOT NULL,
  -- Relation version from the system of record: an upsert carrying a lower one is ignored.
  version     int NOT NULL,
  source_ids  text[] NOT NULL DEFAULT '{}',
  evidence    jsonb NOT NULL DEFAULT '[]',
  demo        boolean NOT NULL DEFAULT false
);
-- Traversal expands both directions; the second column lets "edges among these nodes" match both
-- endpoints inside the index instead of fetching every edge of a hub from the heap.
CREATE INDEX graph_relations_subject ON graph_relations (subject_id, object_id);
CREATE INDEX graph_relations_object ON graph_relations (object_id, subject_id);
-- Subgraph by predicate, paged in id order.
CREATE INDEX graph_relations_predicate ON graph_relations (predicate, id);
