import { z } from 'zod';
import type { GraphEvent, GraphRelation } from '../graph/index.ts';
import type { Database, Queryable } from '../store/index.ts';
import { QueryFlag } from './candidates.repository.ts';
import { CertaintySchema, PredicateSchema } from './model.ts';

export const EvidenceSchema = z.object({
  candidateId: z.string(),
  sourceId: z.string(),
  sourceTitle: z.string(),
  version: z.string().nullable(),
  year: z.number().nullable(),
  superseded: z.boolean(),
  /** The source was retracted (PubMed retraction notice): the relation needs a reviewer's look. */
  retracted: z.boolean().default(false),
  page: z.number().nullable(),
  chunkId: z.string().nullable(),
  quote: z.string(),
  extractor: z.string(),
  extractorVersion: z.string(),
});

export const HistoryEntrySchema = z.object({
  id: z.number(),
  action: z.string(),
  actor: z.string(),
  comment: z.string().nullable(),
  candidateId: z.string().nullable(),
  relationId: z.string().nullable(),
  before: z.unknown().nullable(),
  after: z.unknown().nullable(),
  at: z.string(),
});
export type HistoryEntry = z.infer<typeof HistoryEntrySchema>;

const EntityBriefSchema = z.object({ id: z.string(), type: z.string(), nameZh: z.string(), nameEn: z.string() });

export const RelationSchema = z.object({
  id: z.string(),
  subject: EntityBriefSchema,
  predicate: PredicateSchema,
  object: EntityBriefSchema,
  certainty: CertaintySchema,
  qualifiers: z.record(z.string(), z.string()),
  confidence: z.number(),
  status: z.enum(['active', 'retired']),
  version: z.number(),
  demo: z.boolean(),
  retiredReason: z.string().nullable(),
  evidence: z.array(EvidenceSchema),
  /** True when every source backing it has been superseded by a newer version. */
  stale: z.boolean(),
  /** Some evidence comes from a retracted source: flagged for re-review. */
  retracted: z.boolean(),
  updatedAt: z.string(),
});
export type Relation = z.infer<typeof RelationSchema>;

export const RelationFilterSchema = z.object({
  status: z.enum(['active', 'retired']).optional(),
  predicate: PredicateSchema.optional(),
  entityId: z.string().max(100).optional(),
  sourceId: z.string().max(100).optional(),
  stale: QueryFlag,
  /** Only relations with evidence from a retracted source. */
  retracted: QueryFlag,
});
export type RelationFilter = z.infer<typeof RelationFilterSchema>;

interface RelationRowDb {
  id: string;
  subject_id: string;
  predicate: Relation['predicate'];
  object_id: string;
  certainty: Relation['certainty'];
  qualifiers: Record<string, string>;
  confidence: number;
  status: Relation['status'];
  version: number;
  demo: boolean;
  retired_reason: string | null;
  updated_at: Date;
  s_type: string;
  s_zh: string;
  s_en: string;
  o_type: string;
  o_zh: string;
  o_en: string;
  evidence: z.infer<typeof EvidenceSchema>[] | null;
}

const SELECT_RELATION = `
  SELECT r.*, se.type AS s_type, se.name_zh AS s_zh, se.name_en AS s_en, oe.type AS o_type, oe.name_zh AS o_zh, oe.name_en AS o_en,
    (SELECT jsonb_agg(jsonb_build_object('candidateId', ev.candidate_id, 'sourceId', ev.source_id, 'sourceTitle', s.title,
        'version', s.version, 'year', s.year, 'superseded', s.superseded_by IS NOT NULL, 'retracted', s.retracted_at IS NOT NULL, 'page', ev.page, 'chunkId', ev.chunk_id,
        'quote', ev.quote, 'extractor', c.extractor, 'extractorVersion', c.extractor_version) ORDER BY ev.added_at, ev.candidate_id)
     FROM kg_evidence ev JOIN sources s ON s.id = ev.source_id JOIN kg_candidates c ON c.id = ev.candidate_id
     WHERE ev.relation_id = r.id) AS evidence
  FROM kg_relations r JOIN kg_entities se ON se.id = r.subject_id JOIN kg_entities oe ON oe.id = r.object_id`;

const STALE = `NOT EXISTS (SELECT 1 FROM kg_evidence ev JOIN sources s ON s.id = ev.source_id
                 WHERE ev.relation_id = r.id AND s.superseded_by IS NULL)`;

const RETRACTED = `EXISTS (SELECT 1 FROM kg_evidence ev JOIN sources s ON s.id = ev.source_id
                   WHERE ev.relation_id = r.id AND s.retracted_at IS NOT NULL)`;

function toRelation(r: RelationRowDb): Relation {
  const evidence = r.evidence ?? [];
  return {
    id: r.id,
    subject: { id: r.subject_id, type: r.s_type, nameZh: r.s_zh, nameEn: r.s_en },
    predicate: r.predicate,
    object: { id: r.object_id, type: r.o_type, nameZh: r.o_zh, nameEn: r.o_en },
    certainty: r.certainty,
    qualifiers: r.qualifiers ?? {},
    confidence: Number(r.confidence),
    status: r.status,
    version: r.version,
    demo: r.demo,
    retiredReason: r.retired_reason,
    evidence,
    stale: evidence.length > 0 && evidence.every((e) => e.superseded),
    retracted: evidence.some((e) => e.retracted),
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

/** The reviewed relations (system of record) and their evidence, history and outbox events. */
export class RelationsRepository {
  /** A new active relation. */
  async insert(
    tx: Queryable,
    r: { id: string; subjectId: string; predicate: string; objectId: string; certainty: string; qualifiers: Record<string, string>; confidence: number; demo: boolean },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO kg_relations (id, subject_id, predicate, object_id, certainty, qualifiers, confidence, demo)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8)`,
      [r.id, r.subjectId, r.predicate, r.objectId, r.certainty, JSON.stringify(r.qualifiers), r.confidence, r.demo],
    );
  }

  /** Another approval of an existing relation: new version, the higher confidence, merged qualifiers, and the certainty when given. */
  async reinforce(tx: Queryable, id: string, r: { confidence: number; certainty: string | null; qualifiers: Record<string, string> }): Promise<void> {
    await tx.query(
      `UPDATE kg_relations SET version = version + 1, updated_at = now(), confidence = greatest(confidence, $2),
         certainty = CASE WHEN $3 THEN $4 ELSE certainty END, qualifiers = qualifiers || $5::jsonb
       WHERE id = $1`,
      [id, r.confidence, r.certainty !== null, r.certainty, JSON.stringify(r.qualifiers)],
    );
  }

  /** Evidence of a relation from an approved candidate (idempotent). */
  async addEvidence(tx: Queryable, e: { relationId: string; candidateId: string; sourceId: string; chunkId: string | null; page: number | null; quote: string }): Promise<void> {
    await tx.query(
      `INSERT INTO kg_evidence (relation_id, candidate_id, source_id, chunk_id, page, quote) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT DO NOTHING`,
      [e.relationId, e.candidateId, e.sourceId, e.chunkId, e.page, e.quote],
    );
  }

  /** Lock a relation's row in `tx` and return its status; null when absent. */
  async lockStatus(tx: Queryable, id: string): Promise<string | null> {
    const { rows } = await tx.query<{ status: string }>('SELECT status FROM kg_relations WHERE id = $1 FOR UPDATE', [id]);
    return rows[0]?.status ?? null;
  }

  /** Retire a relation with a reason (new version). */
  async retire(tx: Queryable, id: string, reason: string): Promise<void> {
    await tx.query(`UPDATE kg_relations SET status = 'retired', retired_reason = $2, version = version + 1, updated_at = now() WHERE id = $1`, [id, reason]);
  }

  constructor(private readonly db: Database) {}

  async get(id: string, q: Queryable = this.db): Promise<Relation | null> {
    const { rows } = await q.query<RelationRowDb>(`${SELECT_RELATION} WHERE r.id = $1`, [id]);
    return rows[0] ? toRelation(rows[0]) : null;
  }

  async findActive(q: Queryable, subjectId: string, predicate: string, objectId: string): Promise<{ id: string; certainty: Relation['certainty']; version: number } | null> {
    const { rows } = await q.query<{ id: string; certainty: Relation['certainty']; version: number }>(
      `SELECT id, certainty, version FROM kg_relations WHERE status = 'active' AND subject_id = $1 AND predicate = $2 AND object_id = $3 FOR UPDATE`,
      [subjectId, predicate, objectId],
    );
    return rows[0] ?? null;
  }

  async list(f: RelationFilter, page: { limit: number; offset: number }): Promise<{ total: number; items: Relation[] }> {
    const conds: string[] = [];
    const params: unknown[] = [];
    const add = (sql: (p: string) => string, v: unknown) => {
      params.push(v);
      conds.push(sql(`$${params.length}`));
    };
    if (f.status) add((p) => `r.status = ${p}`, f.status);
    if (f.predicate) add((p) => `r.predicate = ${p}`, f.predicate);
    if (f.entityId) add((p) => `(r.subject_id = ${p} OR r.object_id = ${p})`, f.entityId);
    if (f.sourceId) add((p) => `EXISTS (SELECT 1 FROM kg_evidence ev WHERE ev.relation_id = r.id AND ev.source_id = ${p})`, f.sourceId);
    if (f.stale) conds.push(`r.status = 'active' AND ${STALE}`);
    if (f.retracted) conds.push(`r.status = 'active' AND ${RETRACTED}`);
    const where = conds.length ? `WHERE ${conds.join(' AND ')}` : '';
    const [{ rows: n }, { rows }] = await Promise.all([
      this.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM kg_relations r ${where}`, params),
      this.db.query<RelationRowDb>(`${SELECT_RELATION} ${where} ORDER BY r.updated_at DESC, r.id LIMIT ${page.limit} OFFSET ${page.offset}`, params),
    ]);
    return { total: n[0]?.n ?? 0, items: rows.map(toRelation) };
  }

  async history(filter: { relationId?: string; candidateId?: string }): Promise<HistoryEntry[]> {
    const { rows } = await this.db.query<{
      id: string; action: string; actor: string; comment: string | null; candidate_id: string | null; relation_id: string | null;
      before: unknown; after: unknown; at: Date;
    }>(
      `SELECT * FROM kg_history WHERE ($1::text IS NOT NULL AND relation_id = $1) OR ($2::text IS NOT NULL AND candidate_id = $2) ORDER BY id`,
      [filter.relationId ?? null, filter.candidateId ?? null],
    );
    return rows.map((r) => ({
      id: Number(r.id), action: r.action, actor: r.actor, comment: r.comment, candidateId: r.candidate_id, relationId: r.relation_id,
      before: r.before ?? null, after: r.after ?? null, at: new Date(r.at).toISOString(),
    }));
  }

  async counts(): Promise<{ active: number; retired: number }> {
    const { rows } = await this.db.query<{ status: 'active' | 'retired'; n: number }>('SELECT status, count(*)::int AS n FROM kg_relations GROUP BY status');
    return { active: rows.find((r) => r.status === 'active')?.n ?? 0, retired: rows.find((r) => r.status === 'retired')?.n ?? 0 };
  }

  /**
   * A cheap fingerprint of the approved graph as readers cache it: changes when a relation is approved,
   * edited or retired, or a source is superseded, retracted or edited.
   */
  async approvedSignature(): Promise<string> {
    const { rows } = await this.db.query<{ sig: string }>(
      `SELECT concat_ws('|', (SELECT count(*) FROM kg_relations WHERE status = 'active'), (SELECT max(updated_at) FROM kg_relations),
         (SELECT count(*) FROM kg_evidence), (SELECT max(updated_at) FROM sources)) AS sig`,
    );
    return rows[0]?.sig ?? '';
  }

  /** The relation as the graph stores hold it (entity names are projected separately). */
  async snapshot(q: Queryable, id: string): Promise<GraphRelation | null> {
    const r = await this.get(id, q);
    if (!r) return null;
    return {
      id: r.id,
      subjectId: r.subject.id,
      predicate: r.predicate,
      objectId: r.object.id,
      certainty: r.certainty,
      qualifiers: r.qualifiers,
      confidence: r.confidence,
      version: r.version,
      sourceIds: [...new Set(r.evidence.map((e) => e.sourceId))],
      evidence: r.evidence.map((e) => ({
        sourceId: e.sourceId, sourceTitle: e.sourceTitle, version: e.version, year: e.year, page: e.page, chunkId: e.chunkId, quote: e.quote,
      })),
      demo: r.demo,
    };
  }
}

export async function recordHistory(
  q: Queryable,
  h: { relationId?: string | null; candidateId?: string | null; entityId?: string | null; action: string; actor: string; comment?: string | null; before?: unknown; after?: unknown },
): Promise<void> {
  await q.query(
    `INSERT INTO kg_history (relation_id, candidate_id, entity_id, action, actor, comment, before, after)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb)`,
    [h.relationId ?? null, h.candidateId ?? null, h.entityId ?? null, h.action, h.actor, h.comment ?? null,
      h.before === undefined ? null : JSON.stringify(h.before), h.after === undefined ? null : JSON.stringify(h.after)],
  );
}

/** Append graph events in the caller's transaction: the change and its projection cannot drift apart. */
export async function appendOutbox(q: Queryable, events: GraphEvent[]): Promise<void> {
  if (!events.length) return;
  await q.query(
    'INSERT INTO kg_outbox (event) SELECT e FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS t(e, n) ORDER BY n',
    [JSON.stringify(events)],
  );
}
