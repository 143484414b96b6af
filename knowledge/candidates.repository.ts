import { z } from 'zod';
import { newId, sha256Hex } from '../core/index.ts';
import type { Database, Queryable } from '../store/index.ts';
import { type Certainty, CertaintySchema, type ExtractedTriple, type Predicate, PredicateSchema } from './model.ts';

export const CandidateStatusSchema = z.enum(['pending', 'approved', 'rejected']);
export type CandidateStatus = z.infer<typeof CandidateStatusSchema>;

const SideSchema = z.object({
  text: z.string(),
  entityId: z.string().nullable(),
  type: z.string().nullable(),
  nameZh: z.string().nullable(),
  /** For an unresolved mention: the entity type guessed from its head word (shown as a guess). */
  guessedType: z.string().nullable(),
});

export const CandidateSchema = z.object({
  id: z.string(),
  status: CandidateStatusSchema,
  subject: SideSchema,
  predicate: PredicateSchema,
  object: SideSchema,
  certainty: CertaintySchema,
  qualifiers: z.record(z.string(), z.string()),
  source: z.object({
    id: z.string(),
    title: z.string(),
    version: z.string().nullable(),
    year: z.number().nullable(),
    kind: z.string(),
    superseded: z.boolean(),
  }),
  chunkId: z.string().nullable(),
  page: z.number().nullable(),
  quote: z.string(),
  quoteStart: z.number().nullable(),
  quoteEnd: z.number().nullable(),
  extractor: z.enum(['rules', 'llm', 'import']),
  extractorVersion: z.string(),
  confidence: z.number(),
  tags: z.array(z.string()),
  relationId: z.string().nullable(),
  reviewedBy: z.string().nullable(),
  reviewedAt: z.string().nullable(),
  reviewComment: z.string().nullable(),
  demo: z.boolean(),
  rowVersion: z.number(),
  createdAt: z.string(),
  /** Same (subject, predicate, object) elsewhere: agreeing evidence and contradicting certainty. */
  conflicts: z.object({
    agreeing: z.number(),
    contradicting: z.array(z.object({ kind: z.enum(['relation', 'candidate']), id: z.string(), certainty: CertaintySchema, sourceTitle: z.string() })),
    activeRelationId: z.string().nullable(),
  }),
});
export type Candidate = z.infer<typeof CandidateSchema>;

/** A query-string flag: `true`/`1` or `false`/`0` (z.coerce.boolean would read "false" as true). */
export const QueryFlag = z
  .preprocess((v) => (v === 'true' || v === '1' ? true : v === 'false' || v === '0' ? false : v), z.boolean())
  .optional();

export const CandidateFilterSchema = z.object({
  status: CandidateStatusSchema.optional(),
  sourceId: z.string().max(100).optional(),
  predicate: PredicateSchema.optional(),
  entityId: z.string().max(100).optional(),
  extractor: z.enum(['rules', 'llm', 'import']).optional(),
  minConfidence: z.coerce.number().min(0).max(1).optional(),
  maxConfidence: z.coerce.number().min(0).max(1).optional(),
  tag: z.string().max(50).optional(),
  /** Free text over the quote and both mention texts. */
  q: z.string().max(200).optional(),
  /** Only candidates whose certainty contradicts another candidate or an active relation. */
  conflict: QueryFlag,
  /** Only candidates whose subject or object has no entity yet. */
  unresolved: QueryFlag,
  /** Only candidates created after this reviewer's last decision ("new since my last review"). */
  newSinceReviewOf: z.string().trim().min(1).max(64).optional(),
});
export type CandidateFilter = z.infer<typeof CandidateFilterSchema>;

export interface NewCandidate extends ExtractedTriple {
  sourceId: string;
  chunkId: string | null;
  page: number | null;
  extractor: 'rules' | 'llm' | 'import';
  extractorVersion: string;
  tags?: string[];
  demo?: boolean;
}

interface CandidateRowDb {
  id: string;
  status: CandidateStatus;
  subject_text: string;
  subject_id: string | null;
  subject_type: string | null;
  subject_name: string | null;
  subject_guess: string | null;
  object_guess: string | null;
  predicate: Candidate['predicate'];
  object_text: string;
  object_id: string | null;
  object_type: string | null;
  object_name: string | null;
  certainty: Candidate['certainty'];
  qualifiers: Record<string, string>;
  source_id: string;
  source_title: string;
  source_version: string | null;
  source_year: number | null;
  source_kind: string;
  source_superseded: boolean;
  chunk_id: string | null;
  page: number | null;
  quote: string;
  quote_start: number | null;
  quote_end: number | null;
  extractor: Candidate['extractor'];
  extractor_version: string;
  confidence: number;
  tags: string[];
  relation_id: string | null;
  reviewed_by: string | null;
  reviewed_at: Date | null;
  review_comment: string | null;
  demo: boolean;
  row_version: number;
  created_at: Date;
  agreeing: number;
  contradicting: Candidate['conflicts']['contradicting'] | null;
  active_relation_id: string | null;
}

/** Certainties that cannot both hold: a sign present vs absent. `possible` agrees with both. */
const CONTRADICTS = `((c.certainty = 'absent') <> (o.certainty = 'absent'))`;

const SELECT_CANDIDATE = `
  SELECT c.*, s.title AS source_title, s.version AS source_version, s.year AS source_year, s.kind AS source_kind,
         (s.superseded_by IS NOT NULL) AS source_superseded,
         se.type AS subject_type, se.name_zh AS subject_name, oe.type AS object_type, oe.name_zh AS object_name,
         (SELECT count(*)::int FROM kg_candidates o
            WHERE o.id <> c.id AND o.subject_id = c.subject_id AND o.predicate = c.predicate AND o.object_id = c.object_id
              AND o.source_id <> c.source_id AND o.status <> 'rejected' AND NOT ${CONTRADICTS}) AS agreeing,
         (SELECT jsonb_agg(x) FROM (
            SELECT 'relation' AS kind, o.id, o.certainty, '' AS "sourceTitle" FROM kg_relations o
              WHERE o.status = 'active' AND o.subject_id = c.subject_id AND o.predicate = c.predicate AND o.object_id = c.object_id
                AND ${CONTRADICTS}
            UNION ALL
            SELECT 'candidate', o.id, o.certainty, os.title FROM kg_candidates o JOIN sources os ON os.id = o.source_id
              WHERE o.id <> c.id AND o.status = 'pending' AND o.subject_id = c.subject_id AND o.predicate = c.predicate
                AND o.object_id = c.object_id AND ${CONTRADICTS}
            LIMIT 10) x) AS contradicting,
         (SELECT r.id FROM kg_relations r WHERE r.status = 'active' AND r.subject_id = c.subject_id
            AND r.predicate = c.predicate AND r.object_id = c.object_id) AS active_relation_id
  FROM kg_candidates c
  JOIN sources s ON s.id = c.source_id
  LEFT JOIN kg_entities se ON se.id = c.subject_id
  LEFT JOIN kg_entities oe ON oe.id = c.object_id`;

/**
 * Review order: most confident first, then by place in the source. Ties are broken by content before the (random) id,
 * so the same documents give the same order on every installation — the demo reviewer's starter approvals walk it.
 */
const LIST_ORDER = 'c.confidence DESC, c.source_id, c.page NULLS LAST, c.quote_start NULLS LAST, c.quote, c.predicate, c.subject_text, c.object_text, c.id';

function toCandidate(r: CandidateRowDb): Candidate {
  return {
    id: r.id,
    status: r.status,
    subject: { text: r.subject_text, entityId: r.subject_id, type: r.subject_type, nameZh: r.subject_name, guessedType: r.subject_id ? null : r.subject_guess },
    predicate: r.predicate,
    object: { text: r.object_text, entityId: r.object_id, type: r.object_type, nameZh: r.object_name, guessedType: r.object_id ? null : r.object_guess },
    certainty: r.certainty,
    qualifiers: r.qualifiers ?? {},
    source: {
      id: r.source_id, title: r.source_title, version: r.source_version, year: r.source_year, kind: r.source_kind,
      superseded: r.source_superseded,
    },
    chunkId: r.chunk_id,
    page: r.page,
    quote: r.quote,
    quoteStart: r.quote_start,
    quoteEnd: r.quote_end,
    extractor: r.extractor,
    extractorVersion: r.extractor_version,
    confidence: Number(r.confidence),
    tags: r.tags ?? [],
    relationId: r.relation_id,
    reviewedBy: r.reviewed_by,
    reviewedAt: r.reviewed_at ? new Date(r.reviewed_at).toISOString() : null,
    reviewComment: r.review_comment,
    demo: r.demo,
    rowVersion: r.row_version,
    createdAt: new Date(r.created_at).toISOString(),
    conflicts: { agreeing: r.agreeing ?? 0, contradicting: r.contradicting ?? [], activeRelationId: r.active_relation_id },
  };
}

/** A candidate whose certainty contradicts an active relation or another pending candidate. */
const IN_CONFLICT = `(EXISTS (SELECT 1 FROM kg_relations o WHERE o.status = 'active' AND o.subject_id = c.subject_id
                   AND o.predicate = c.predicate AND o.object_id = c.object_id AND ${CONTRADICTS})
              OR EXISTS (SELECT 1 FROM kg_candidates o WHERE o.id <> c.id AND o.status = 'pending' AND o.subject_id = c.subject_id
                   AND o.predicate = c.predicate AND o.object_id = c.object_id AND ${CONTRADICTS}))`;

/** WHERE clause and parameters for a candidate filter (shared by list, count and bulk actions). */
export function candidateWhere(f: CandidateFilter, params: unknown[] = []): { where: string; params: unknown[] } {
  const conds: string[] = [];
  const add = (sql: (p: string) => string, value: unknown) => {
    params.push(value);
    conds.push(sql(`$${params.length}`));
  };
  if (f.status) add((p) => `c.status = ${p}`, f.status);
  if (f.sourceId) add((p) => `c.source_id = ${p}`, f.sourceId);
  if (f.predicate) add((p) => `c.predicate = ${p}`, f.predicate);
  if (f.entityId) add((p) => `(c.subject_id = ${p} OR c.object_id = ${p})`, f.entityId);
  if (f.extractor) add((p) => `c.extractor = ${p}`, f.extractor);
  if (f.minConfidence !== undefined) add((p) => `c.confidence >= ${p}`, f.minConfidence);
  if (f.maxConfidence !== undefined) add((p) => `c.confidence <= ${p}`, f.maxConfidence);
  if (f.tag) add((p) => `${p} = ANY(c.tags)`, f.tag);
  if (f.q) {
    add((p) => `(c.quote ILIKE ${p} OR c.subject_text ILIKE ${p} OR c.object_text ILIKE ${p})`, `%${f.q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`);
  }
  if (f.newSinceReviewOf) {
    add((p) => `c.created_at > coalesce((SELECT max(r.reviewed_at) FROM kg_candidates r WHERE r.reviewed_by = ${p}), '-infinity'::timestamptz)`, f.newSinceReviewOf);
  }
  if (f.unresolved === true) conds.push('(c.subject_id IS NULL OR c.object_id IS NULL)');
  if (f.unresolved === false) conds.push('(c.subject_id IS NOT NULL AND c.object_id IS NOT NULL)');
  if (f.conflict === true) conds.push(IN_CONFLICT);
  if (f.conflict === false) conds.push(`NOT ${IN_CONFLICT}`);
  return { where: conds.length ? `WHERE ${conds.join(' AND ')}` : '', params };
}

export const BulkPreviewSchema = z.object({
  /** Pending candidates the filter matches. */
  total: z.number(),
  /** Of those, the ones a bulk approval would approve: linked on both sides and contradicting nothing. */
  approvable: z.number(),
  /** Held back: their certainty contradicts a relation or another candidate (decide them one by one). */
  conflicts: z.number(),
  /** Held back: a side is not linked to an entity yet. */
  unresolved: z.number(),
  byPredicate: z.record(z.string(), z.number()),
  bySource: z.array(z.object({ sourceId: z.string(), title: z.string(), count: z.number() })),
  sample: z.array(CandidateSchema),
});
export type BulkPreview = z.infer<typeof BulkPreviewSchema>;

/** Renumber the $n placeholders of a WHERE clause built on its own, for use after `offset` other parameters. */
function shift(where: string, offset: number): string {
  return where.replace(/\$(\d+)/g, (_, n) => `$${Number(n) + offset}`);
}

/** Candidate triples proposed by extractors, waiting for (or past) expert review. */
/** A candidate's stored row, locked for a review decision. */
export interface CandidateRow {
  id: string;
  status: string;
  subject_id: string | null;
  object_id: string | null;
  predicate: Predicate;
  certainty: Certainty;
  qualifiers: Record<string, string>;
  confidence: number;
  source_id: string;
  chunk_id: string | null;
  page: number | null;
  quote: string;
  reviewed_by: string | null;
  row_version: number;
}

export class CandidatesRepository {
  /** Lock a candidate's row for a decision in `tx`; null when absent. */
  async lockRow(tx: Queryable, id: string): Promise<CandidateRow | null> {
    const { rows } = await tx.query<CandidateRow>('SELECT * FROM kg_candidates WHERE id = $1 FOR UPDATE', [id]);
    return rows[0] ?? null;
  }

  /** Record an approval (possibly edited) and the relation it became. */
  async markApproved(
    tx: Queryable,
    id: string,
    a: { relationId: string; actor: string; comment: string | null; subjectId: string; objectId: string; predicate: Predicate; certainty: Certainty; qualifiers: Record<string, string> },
  ): Promise<void> {
    await tx.query(
      `UPDATE kg_candidates SET status = 'approved', relation_id = $2, reviewed_by = $3, reviewed_at = now(), review_comment = $4,
         subject_id = $5, object_id = $6, predicate = $7, certainty = $8, qualifiers = $9::jsonb, row_version = row_version + 1
       WHERE id = $1`,
      [id, a.relationId, a.actor, a.comment, a.subjectId, a.objectId, a.predicate, a.certainty, JSON.stringify(a.qualifiers)],
    );
  }

  /** Record a rejection. */
  async markRejected(tx: Queryable, id: string, r: { actor: string; comment: string | null }): Promise<void> {
    await tx.query(
      `UPDATE kg_candidates SET status = 'rejected', reviewed_by = $2, reviewed_at = now(), review_comment = $3, row_version = row_version + 1
       WHERE id = $1`,
      [id, r.actor, r.comment],
    );
  }

  constructor(private readonly db: Database) {}

  /** Insert extractor output; a candidate already proposed for the same chunk is left as it is. */
  async insertMany(q: Queryable, items: NewCandidate[]): Promise<number> {
    if (!items.length) return 0;
    const rows = items.map((c) => ({
      id: newId('cand'),
      fingerprint: sha256Hex(
        [c.chunkId ?? c.sourceId, c.extractor, c.subject.entityId ?? c.subject.text, c.predicate, c.object.entityId ?? c.object.text, c.certainty, c.quoteStart].join('\u0001'),
      ),
      subject_text: c.subject.text,
      subject_id: c.subject.entityId,
      subject_guess: c.subject.entityId ? null : c.subject.type,
      object_guess: c.object.entityId ? null : c.object.type,
      predicate: c.predicate,
      object_text: c.object.text,
      object_id: c.object.entityId,
      certainty: c.certainty,
      qualifiers: c.qualifiers ?? {},
      source_id: c.sourceId,
      chunk_id: c.chunkId,
      page: c.page,
      quote: c.quote,
      quote_start: c.quoteStart,
      quote_end: c.quoteEnd,
      extractor: c.extractor,
      extractor_version: c.extractorVersion,
      confidence: c.confidence,
      tags: c.tags ?? [],
      demo: c.demo ?? false,
    }));
    const { rowCount } = await q.query(
      `INSERT INTO kg_candidates (id, fingerprint, subject_text, subject_id, subject_guess, predicate, object_text, object_id, object_guess, certainty,
         qualifiers, source_id, chunk_id, page, quote, quote_start, quote_end, extractor, extractor_version, confidence, tags, demo)
       SELECT x.id, x.fingerprint, x.subject_text, x.subject_id, x.subject_guess, x.predicate, x.object_text, x.object_id, x.object_guess, x.certainty,
         x.qualifiers, x.source_id, x.chunk_id, x.page, x.quote, x.quote_start, x.quote_end, x.extractor, x.extractor_version,
         x.confidence, ARRAY(SELECT jsonb_array_elements_text(x.tags)), x.demo
       FROM jsonb_to_recordset($1::jsonb) AS x(id text, fingerprint text, subject_text text, subject_id text, subject_guess text, object_guess text, predicate text,
         object_text text, object_id text, certainty text, qualifiers jsonb, source_id text, chunk_id text, page int, quote text,
         quote_start int, quote_end int, extractor text, extractor_version text, confidence real, tags jsonb, demo boolean)
       ON CONFLICT (fingerprint) DO NOTHING`,
      [JSON.stringify(rows)],
    );
    return rowCount;
  }

  async get(id: string, q: Queryable = this.db): Promise<Candidate | null> {
    const { rows } = await q.query<CandidateRowDb>(`${SELECT_CANDIDATE} WHERE c.id = $1`, [id]);
    return rows[0] ? toCandidate(rows[0]) : null;
  }

  async list(f: CandidateFilter, page: { limit: number; offset: number }): Promise<{ total: number; items: Candidate[] }> {
    const { where, params } = candidateWhere(f);
    const [{ rows: count }, { rows }] = await Promise.all([
      this.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM kg_candidates c ${where}`, params),
      this.db.query<CandidateRowDb>(
        `${SELECT_CANDIDATE} ${where} ORDER BY ${LIST_ORDER} LIMIT ${page.limit} OFFSET ${page.offset}`,
        params,
      ),
    ]);
    return { total: count[0]?.n ?? 0, items: rows.map(toCandidate) };
  }

  /** Ids matching a filter (bulk actions), capped so a stray filter cannot touch the whole table at once. */
  async ids(f: CandidateFilter, cap: number): Promise<string[]> {
    const { where, params } = candidateWhere(f);
    const { rows } = await this.db.query<{ id: string }>(`SELECT c.id FROM kg_candidates c ${where} ORDER BY c.id LIMIT ${cap}`, params);
    return rows.map((r) => r.id);
  }

  /**
   * What approving everything a filter matches would touch: pending candidates that can be approved in bulk
   * (linked on both sides, no contradiction) counted per predicate and per source, the ones held back, and
   * a sample to read.
   */
  async bulkPreview(f: CandidateFilter, sampleSize: number): Promise<BulkPreview> {
    const base = { ...f, status: 'pending' as const };
    const { where, params } = candidateWhere({ ...base, conflict: false, unresolved: false });
    const all = candidateWhere(base);
    const conflicted = candidateWhere({ ...base, conflict: true });
    const unresolved = candidateWhere({ ...base, unresolved: true });
    const [{ rows: byPredicate }, { rows: bySource }, { rows: held }, { rows: sample }] = await Promise.all([
      this.db.query<{ predicate: string; n: number }>(`SELECT c.predicate, count(*)::int AS n FROM kg_candidates c ${where} GROUP BY c.predicate ORDER BY n DESC`, params),
      this.db.query<{ id: string; title: string; n: number }>(
        `SELECT s.id, s.title, count(*)::int AS n FROM kg_candidates c JOIN sources s ON s.id = c.source_id ${where} GROUP BY s.id, s.title ORDER BY n DESC, s.id LIMIT 20`,
        params,
      ),
      this.db.query<{ total: number; conflicts: number; unresolved: number }>(
        `SELECT (SELECT count(*)::int FROM kg_candidates c ${all.where}) AS total,
                (SELECT count(*)::int FROM kg_candidates c ${shift(conflicted.where, all.params.length)}) AS conflicts,
                (SELECT count(*)::int FROM kg_candidates c ${shift(unresolved.where, all.params.length * 2)}) AS unresolved`,
        [...all.params, ...conflicted.params, ...unresolved.params],
      ),
      this.db.query<CandidateRowDb>(`${SELECT_CANDIDATE} ${where} ORDER BY c.confidence DESC, c.id LIMIT ${Math.max(0, Math.min(sampleSize, 50))}`, params),
    ]);
    const approvable = byPredicate.reduce((n, r) => n + r.n, 0);
    return {
      total: held[0]?.total ?? 0, approvable, conflicts: held[0]?.conflicts ?? 0, unresolved: held[0]?.unresolved ?? 0,
      byPredicate: Object.fromEntries(byPredicate.map((r) => [r.predicate, r.n])),
      bySource: bySource.map((r) => ({ sourceId: r.id, title: r.title, count: r.n })),
      sample: sample.map(toCandidate),
    };
  }

  /** Of `ids`, the candidates whose certainty contradicts an active relation or another pending candidate. */
  async conflicted(ids: readonly string[]): Promise<string[]> {
    if (!ids.length) return [];
    const { rows } = await this.db.query<{ id: string }>(`SELECT c.id FROM kg_candidates c WHERE c.id = ANY($1::text[]) AND ${IN_CONFLICT}`, [ids]);
    return rows.map((r) => r.id);
  }

  async counts(): Promise<Record<CandidateStatus, number>> {
    const { rows } = await this.db.query<{ status: CandidateStatus; n: number }>('SELECT status, count(*)::int AS n FROM kg_candidates GROUP BY status');
    const out: Record<CandidateStatus, number> = { pending: 0, approved: 0, rejected: 0 };
    for (const r of rows) out[r.status] = r.n;
    return out;
  }

  /** Point every candidate written as `surfaceKey` (and not yet resolved) at an entity; returns the ids changed. */
  async resolveSurface(q: Queryable, key: string, entityId: string, keyOf: (s: string) => string): Promise<{ subject: string[]; object: string[] }> {
    const { rows } = await q.query<{ id: string; subject_text: string; object_text: string; subject_id: string | null; object_id: string | null }>(
      'SELECT id, subject_text, object_text, subject_id, object_id FROM kg_candidates WHERE status = \'pending\' AND (subject_id IS NULL OR object_id IS NULL)',
    );
    const subject = rows.filter((r) => !r.subject_id && keyOf(r.subject_text) === key).map((r) => r.id);
    const object = rows.filter((r) => !r.object_id && keyOf(r.object_text) === key).map((r) => r.id);
    if (subject.length) await q.query('UPDATE kg_candidates SET subject_id = $2, row_version = row_version + 1 WHERE id = ANY($1::text[])', [subject, entityId]);
    if (object.length) await q.query('UPDATE kg_candidates SET object_id = $2, row_version = row_version + 1 WHERE id = ANY($1::text[])', [object, entityId]);
    return { subject, object };
  }
}
