import { detectLanguage, newId, sha256Hex } from '../../core/index.ts';
import type { Queryable } from '../../store/index.ts';
import type { EvidenceSource } from './format.ts';
import { sourceIdentity } from './format.ts';

export interface EntityRow {
  id: string;
  type: string;
  name_zh: string;
  name_en: string;
  codes: Record<string, string>;
  definition: string | null;
  origin: 'lexicon' | 'review' | 'import';
  merged_into: string | null;
}

export interface AliasRow {
  entity_id: string;
  surface: string;
  kind: 'name' | 'alias' | 'merged';
}

export interface RelationRow {
  id: string;
  subject_id: string;
  predicate: string;
  object_id: string;
  certainty: string;
  qualifiers: Record<string, string>;
  confidence: number;
  status: 'active' | 'retired';
  retired_reason: string | null;
  demo: boolean;
  version: number;
}

export interface EvidenceRow {
  relation_id: string;
  source_id: string;
  chunk_id: string | null;
  page: number | null;
  quote: string;
  title: string;
  version: string | null;
  year: number | null;
  kind: EvidenceSource['kind'];
  publisher: string | null;
  extractor: string;
  extractor_version: string;
  tags: string[] | null;
}

/** Every entity (with merge pointers), relation and evidence row: the export's raw material. */
export async function readKnowledge(q: Queryable): Promise<{ entities: EntityRow[]; relations: RelationRow[]; evidence: EvidenceRow[] }> {
  const { rows: entities } = await q.query<EntityRow>(
    'SELECT id, type, name_zh, name_en, codes, definition, origin, merged_into FROM kg_entities',
  );
  const { rows: relations } = await q.query<RelationRow>(
    `SELECT id, subject_id, predicate, object_id, certainty, qualifiers, confidence, status, retired_reason, demo, version
     FROM kg_relations`,
  );
  const { rows: evidence } = await q.query<EvidenceRow>(
    `SELECT ev.relation_id, ev.source_id, ev.chunk_id, ev.page, ev.quote, s.title, s.version, s.year, s.kind, s.publisher,
            c.extractor, c.extractor_version, c.tags
     FROM kg_evidence ev JOIN sources s ON s.id = ev.source_id JOIN kg_candidates c ON c.id = ev.candidate_id`,
  );
  return { entities, relations: relations.map((r) => ({ ...r, confidence: Number(r.confidence) })), evidence };
}

export async function readAliases(q: Queryable, entityIds: string[]): Promise<AliasRow[]> {
  if (!entityIds.length) return [];
  const { rows } = await q.query<AliasRow>('SELECT entity_id, surface, kind FROM kg_aliases WHERE entity_id = ANY($1::text[])', [entityIds]);
  return rows;
}

export async function entitiesByIds(q: Queryable, ids: string[]): Promise<Map<string, Pick<EntityRow, 'id' | 'type' | 'name_zh' | 'merged_into'>>> {
  if (!ids.length) return new Map();
  const { rows } = await q.query<Pick<EntityRow, 'id' | 'type' | 'name_zh' | 'merged_into'>>(
    'SELECT id, type, name_zh, merged_into FROM kg_entities WHERE id = ANY($1::text[])',
    [ids],
  );
  return new Map(rows.map((r) => [r.id, r]));
}

export async function existingRelationIds(q: Queryable, ids: string[]): Promise<Set<string>> {
  if (!ids.length) return new Set();
  const { rows } = await q.query<{ id: string }>('SELECT id FROM kg_relations WHERE id = ANY($1::text[])', [ids]);
  return new Set(rows.map((r) => r.id));
}

/** Active relations stating any of the given (subject, predicate, object), keyed by `statementKey`. */
export async function activeStatements(q: Queryable, triples: { s: string; p: string; o: string }[]): Promise<Map<string, string>> {
  if (!triples.length) return new Map();
  const { rows } = await q.query<{ id: string; subject_id: string; predicate: string; object_id: string }>(
    `SELECT r.id, r.subject_id, r.predicate, r.object_id
     FROM kg_relations r JOIN unnest($1::text[], $2::text[], $3::text[]) AS x(s, p, o)
       ON r.subject_id = x.s AND r.predicate = x.p AND r.object_id = x.o
     WHERE r.status = 'active'`,
    [triples.map((t) => t.s), triples.map((t) => t.p), triples.map((t) => t.o)],
  );
  return new Map(rows.map((r) => [statementKey(r.subject_id, r.predicate, r.object_id), r.id]));
}

export const statementKey = (s: string, p: string, o: string): string => `${s}\u0001${p}\u0001${o}`;

/**
 * The source row standing for an imported evidence source: an existing source with the same title,
 * printed version and year, else a placeholder (no file, no pages, no chunks) whose content hash is
 * derived from that identity, so importing the same file twice finds it again. Returns its id and
 * whether it was created.
 */
export async function findOrCreateSource(q: Queryable, s: EvidenceSource): Promise<{ id: string; created: boolean }> {
  const { rows: found } = await q.query<{ id: string }>(
    `SELECT id FROM sources WHERE title = $1 AND version IS NOT DISTINCT FROM $2 AND year IS NOT DISTINCT FROM $3
     ORDER BY (superseded_by IS NULL) DESC, created_at, id LIMIT 1`,
    [s.title, s.version, s.year],
  );
  if (found[0]) return { id: found[0].id, created: false };
  const hash = sha256Hex(`yingzhi-import\u0001${sourceIdentity(s)}`);
  const { rows } = await q.query<{ id: string }>(
    `INSERT INTO sources (id, lineage_key, version_no, content_hash, kind, title, publisher, version, year, language,
                          file_name, mime, byte_size, paging, status, chunk_count)
     VALUES ($1, $2, 1, $3, $4, $5, $6, $7, $8, $9, $5, 'application/x-yingzhi-import', 0, 'virtual', 'ready', 0)
     ON CONFLICT (content_hash) DO NOTHING RETURNING id`,
    [newId('src'), `import:${hash}`, hash, s.kind, s.title, s.publisher, s.version, s.year, detectLanguage(s.title)],
  );
  if (rows[0]) return { id: rows[0].id, created: true };
  // A placeholder from an earlier import whose title has since been edited: same identity hash, reuse it.
  const { rows: byHash } = await q.query<{ id: string }>('SELECT id FROM sources WHERE content_hash = $1', [hash]);
  return { id: byHash[0].id, created: false };
}

/** Insert rows given as objects through one `jsonb_to_recordset` statement (one round trip per table). */
async function insertRecords(q: Queryable, sql: string, rows: object[]): Promise<void> {
  if (rows.length) await q.query(sql, [JSON.stringify(rows)]);
}

export interface NewEntityRow { id: string; type: string; name_zh: string; name_en: string; codes: Record<string, string>; definition: string | null }
export interface NewAliasRow { entity_id: string; key: string; surface: string; kind: string }
export interface NewRelationRow {
  id: string; subject_id: string; predicate: string; object_id: string; certainty: string; qualifiers: Record<string, string>;
  confidence: number; status: string; retired_reason: string | null; demo: boolean;
}
export interface NewCandidateRow {
  id: string; fingerprint: string; subject_text: string; subject_id: string; predicate: string; object_text: string; object_id: string;
  certainty: string; qualifiers: Record<string, string>; source_id: string; page: number | null; quote: string; extractor_version: string;
  confidence: number; tags: string[]; relation_id: string; reviewed_by: string; demo: boolean;
}
export interface NewEvidenceRow { relation_id: string; candidate_id: string; source_id: string; page: number | null; quote: string }
export interface NewHistoryRow { relation_id: string | null; entity_id: string | null; action: string; actor: string; after: unknown }

export async function insertEntities(q: Queryable, rows: NewEntityRow[]): Promise<void> {
  await insertRecords(q, `INSERT INTO kg_entities (id, type, name_zh, name_en, codes, definition, origin)
     SELECT id, type, name_zh, name_en, codes, definition, 'import'
     FROM jsonb_to_recordset($1::jsonb) AS x(id text, type text, name_zh text, name_en text, codes jsonb, definition text)`, rows);
}

export async function insertAliases(q: Queryable, rows: NewAliasRow[]): Promise<void> {
  await insertRecords(q, `INSERT INTO kg_aliases (entity_id, key, surface, kind)
     SELECT entity_id, key, surface, kind FROM jsonb_to_recordset($1::jsonb) AS x(entity_id text, key text, surface text, kind text)`, rows);
}

/** Returns each relation's confidence as stored (`real`), which is what later snapshots will read. */
export async function insertRelations(q: Queryable, rows: NewRelationRow[]): Promise<Map<string, number>> {
  if (!rows.length) return new Map();
  const { rows: stored } = await q.query<{ id: string; confidence: number }>(
    `INSERT INTO kg_relations (id, subject_id, predicate, object_id, certainty, qualifiers, confidence, status, retired_reason, demo)
     SELECT id, subject_id, predicate, object_id, certainty, qualifiers, confidence, status, retired_reason, demo
     FROM jsonb_to_recordset($1::jsonb) AS x(id text, subject_id text, predicate text, object_id text, certainty text, qualifiers jsonb,
       confidence real, status text, retired_reason text, demo boolean)
     RETURNING id, confidence`,
    [JSON.stringify(rows)],
  );
  return new Map(stored.map((r) => [r.id, Number(r.confidence)]));
}

/** Imported evidence as approved candidates (extractor `import`), reviewed by the importing actor. */
export async function insertCandidates(q: Queryable, rows: NewCandidateRow[]): Promise<void> {
  await insertRecords(q, `INSERT INTO kg_candidates (id, fingerprint, status, subject_text, subject_id, predicate, object_text, object_id, certainty,
       qualifiers, source_id, page, quote, extractor, extractor_version, confidence, tags, relation_id, reviewed_by, reviewed_at, demo)
     SELECT id, fingerprint, 'approved', subject_text, subject_id, predicate, object_text, object_id, certainty,
       qualifiers, source_id, page, quote, 'import', extractor_version, confidence, ARRAY(SELECT jsonb_array_elements_text(tags)),
       relation_id, reviewed_by, now(), demo
     FROM jsonb_to_recordset($1::jsonb) AS x(id text, fingerprint text, subject_text text, subject_id text, predicate text, object_text text,
       object_id text, certainty text, qualifiers jsonb, source_id text, page int, quote text, extractor_version text, confidence real,
       tags jsonb, relation_id text, reviewed_by text, demo boolean)`, rows);
}

export async function insertEvidence(q: Queryable, rows: NewEvidenceRow[]): Promise<void> {
  await insertRecords(q, `INSERT INTO kg_evidence (relation_id, candidate_id, source_id, page, quote)
     SELECT relation_id, candidate_id, source_id, page, quote
     FROM jsonb_to_recordset($1::jsonb) AS x(relation_id text, candidate_id text, source_id text, page int, quote text)`, rows);
}

export async function insertHistory(q: Queryable, rows: NewHistoryRow[]): Promise<void> {
  await insertRecords(q, `INSERT INTO kg_history (relation_id, entity_id, action, actor, after)
     SELECT relation_id, entity_id, action, actor, after
     FROM jsonb_to_recordset($1::jsonb) AS x(relation_id text, entity_id text, action text, actor text, after jsonb)`, rows);
}

/**
 * The source standing for an untrusted import file: kind `other`, titled as an unsigned graph import
 * with the file's name, the original bytes stored with it (for the reviewer), no pages or chunks — so
 * it is never a search hit. Keyed by the file's hash: importing the same file again finds it.
 */
export async function createImportFileSource(
  q: Queryable,
  f: { text: string; fileName: string; signature: 'unsigned' | 'foreign' },
): Promise<{ id: string; sha256: string; created: boolean }> {
  const bytes = Buffer.from(f.text, 'utf8');
  const sha256 = sha256Hex(bytes);
  const hash = sha256Hex(`yingzhi-graph-import\u0001${sha256}`);
  const what = f.signature === 'foreign' ? '其他机构签名的图谱导入文件 / Graph import signed elsewhere' : '未签名的图谱导入文件 / Unsigned graph import';
  const name = f.fileName.slice(0, 200);
  const { rows } = await q.query<{ id: string }>(
    `INSERT INTO sources (id, lineage_key, version_no, content_hash, kind, title, version, language, file_name, mime, byte_size, paging, status, page_count, chunk_count)
     VALUES ($1, $2, 1, $3, 'other', $4, $5, 'zh', $6, 'application/x-ndjson', $7, 'virtual', 'ready', 0, 0)
     ON CONFLICT (content_hash) DO NOTHING RETURNING id`,
    [newId('src'), `graph-import:${hash}`, hash, `${what}: ${name}`, `sha256 ${sha256.slice(0, 12)}`, name, bytes.length],
  );
  if (!rows[0]) {
    const { rows: found } = await q.query<{ id: string }>('SELECT id FROM sources WHERE content_hash = $1', [hash]);
    return { id: found[0].id, sha256, created: false };
  }
  await q.query('INSERT INTO source_files (source_id, bytes) VALUES ($1, $2)', [rows[0].id, bytes]);
  return { id: rows[0].id, sha256, created: true };
}

export interface PendingCandidateRow {
  fingerprint: string; subject_text: string; subject_id: string | null; predicate: string; object_text: string; object_id: string | null;
  certainty: string; qualifiers: Record<string, string>; source_id: string; quote: string; extractor_version: string; confidence: number; tags: string[];
}

/** Candidates awaiting review (extractor `import`, no page, no chunk); returns how many were new (fingerprint dedup). */
export async function insertPendingCandidates(q: Queryable, rows: PendingCandidateRow[]): Promise<number> {
  if (!rows.length) return 0;
  const idBase = newId('cand');
  const withIds = rows.map((r, i) => ({ ...r, id: `${idBase}${String(i).padStart(7, '0')}` }));
  const { rowCount } = await q.query(
    `INSERT INTO kg_candidates (id, fingerprint, subject_text, subject_id, predicate, object_text, object_id, certainty, qualifiers,
       source_id, quote, extractor, extractor_version, confidence, tags)
     SELECT id, fingerprint, subject_text, subject_id, predicate, object_text, object_id, certainty, qualifiers,
       source_id, quote, 'import', extractor_version, confidence, ARRAY(SELECT jsonb_array_elements_text(tags))
     FROM jsonb_to_recordset($1::jsonb) AS x(id text, fingerprint text, subject_text text, subject_id text, predicate text, object_text text,
       object_id text, certainty text, qualifiers jsonb, source_id text, quote text, extractor_version text, confidence real, tags jsonb)
     ON CONFLICT (fingerprint) DO NOTHING`,
    [JSON.stringify(withIds)],
  );
  return rowCount;
}
