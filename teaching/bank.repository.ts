import { z } from 'zod';
import { newId } from '../core/index.ts';
import type { Database, Queryable } from '../store/index.ts';
import type { FigureRef, Question, QuestionDraft } from './question.schemas.ts';
import { QuestionStatusSchema, QuestionTypeSchema, LevelSchema } from './question.schemas.ts';
import { signatureOf } from './similarity.ts';

export const QuestionFilterSchema = z.object({
  status: QuestionStatusSchema.optional(),
  type: QuestionTypeSchema.optional(),
  level: LevelSchema.optional(),
  /** Knowledge point (entity id) or disease. */
  entityId: z.string().max(100).optional(),
  /** Text in the stem, options or explanation. */
  q: z.string().trim().max(100).optional(),
  /** Only items needing a look (retired relation, superseded or retracted source). */
  flagged: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
});
export type QuestionFilter = z.infer<typeof QuestionFilterSchema>;

interface QuestionRowDb {
  id: string; version: number; status: Question['status']; type: Question['type']; template: string; engine: Question['engine'];
  stem: string; options: Question['options']; answer_key: string[]; explanation: string; citations: Question['citations'];
  claim: Question['claim']; disease_id: string | null; tags: string[]; difficulty: number; level: Question['level']; fact_key: string | null;
  created_by: string; created_at: Date; updated_by: string; updated_at: Date; flags: string[] | null; figure: FigureRef | null;
}

/** Flags computed from the graph and sources as they are now (never stored, so they cannot go stale). */
const FLAGS = `ARRAY_REMOVE(ARRAY[
    CASE WHEN EXISTS (SELECT 1 FROM kg_relations r WHERE r.id = ANY(q.relation_ids) AND r.status = 'retired') THEN 'relation_retired' END,
    CASE WHEN EXISTS (SELECT 1 FROM sources s WHERE s.id = ANY(q.source_ids) AND s.superseded_by IS NOT NULL) THEN 'source_superseded' END,
    CASE WHEN EXISTS (SELECT 1 FROM sources s WHERE s.id = ANY(q.source_ids) AND s.retracted_at IS NOT NULL) THEN 'source_retracted' END
  ], NULL)`;
const SELECT = `SELECT q.*, ${FLAGS} AS flags FROM teach_questions q`;

function toQuestion(r: QuestionRowDb): Question {
  return {
    id: r.id, version: r.version, status: r.status, type: r.type, template: r.template, engine: r.engine, stem: r.stem, options: r.options, key: r.answer_key,
    explanation: r.explanation, citations: r.citations, claim: r.claim, diseaseId: r.disease_id, tags: r.tags, difficulty: Number(r.difficulty), level: r.level,
    factKey: r.fact_key, createdBy: r.created_by, createdAt: new Date(r.created_at).toISOString(), updatedBy: r.updated_by, updatedAt: new Date(r.updated_at).toISOString(),
    flags: r.flags ?? [],
    figure: r.figure ?? null,
  };
}

const snapshot = (q: Question) => {
  const { flags: _f, ...rest } = q;
  return rest;
};

/** The question bank: current items, their versions, filters and counts. */
export class BankRepository {
  constructor(private readonly db: Database) {}

  /** Insert drafted items (status draft, version 1) and their first version rows. */
  async insertDrafts(tx: Queryable, drafts: QuestionDraft[], actor: string): Promise<string[]> {
    const ids: string[] = [];
    for (const d of drafts) {
      const id = newId('q');
      ids.push(id);
      await tx.query(
        `INSERT INTO teach_questions (id, type, template, engine, stem, options, answer_key, explanation, citations, relation_ids, source_ids, disease_id, tags,
           difficulty, level, signature, fact_key, claim, created_by, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9::jsonb, $10, $11, $12, $13, $14, $15, $16, $17, $18::jsonb, $19, $19)`,
        [id, d.type, d.template, d.engine, d.stem, JSON.stringify(d.options), d.key, d.explanation, JSON.stringify(d.citations), d.citations.relationIds,
          [...new Set(d.citations.passages.map((p) => p.sourceId))], d.diseaseId, d.tags, d.difficulty, d.level, signatureOf(d.stem, d.options), d.factKey,
          d.claim ? JSON.stringify(d.claim) : null, actor],
      );
      await this.recordVersion(tx, id, 'generate', actor);
    }
    return ids;
  }

  async get(id: string, q: Queryable = this.db): Promise<Question | null> {
    const { rows } = await q.query<QuestionRowDb>(`${SELECT} WHERE q.id = $1`, [id]);
    return rows[0] ? toQuestion(rows[0]) : null;
  }

  async getMany(ids: string[], q: Queryable = this.db): Promise<Question[]> {
    if (!ids.length) return [];
    const { rows } = await q.query<QuestionRowDb>(`${SELECT} WHERE q.id = ANY($1)`, [ids]);
    const byId = new Map(rows.map((r) => [r.id, toQuestion(r)]));
    return ids.map((id) => byId.get(id)).filter((x): x is Question => !!x);
  }

  async list(f: QuestionFilter, page: { limit: number; offset: number }): Promise<{ total: number; items: Question[] }> {
    const conds: string[] = [];
    const params: unknown[] = [];
    const add = (sql: (p: string) => string, v: unknown) => {
      params.push(v);
      conds.push(sql(`$${params.length}`));
    };
    if (f.status) add((p) => `q.status = ${p}`, f.status);
    if (f.type) add((p) => `q.type = ${p}`, f.type);
    if (f.level) add((p) => `q.level = ${p}`, f.level);
    if (f.entityId) add((p) => `(q.disease_id = ${p} OR ${p} = ANY(q.tags))`, f.entityId);
    if (f.q) add((p) => `(q.stem ILIKE ${p} OR q.explanation ILIKE ${p} OR q.options::text ILIKE ${p})`, `%${f.q.replace(/[%_\\]/g, '\\$&')}%`);
    if (f.flagged !== undefined) conds.push(`cardinality(${FLAGS}) ${f.flagged ? '>' : '='} 0`);
    const where = conds.length ? `WHERE ${conds.join(' AND ')}` : '';
    const [{ rows: n }, { rows }] = await Promise.all([
      this.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM teach_questions q ${where}`, params),
      this.db.query<QuestionRowDb>(`${SELECT} ${where} ORDER BY q.created_at DESC, q.id LIMIT ${page.limit} OFFSET ${page.offset}`, params),
    ]);
    return { total: n[0]?.n ?? 0, items: rows.map(toQuestion) };
  }

  /** Items by status, per disease and per knowledge point (with entity names), and how many are flagged. */
  async counts(): Promise<{ byStatus: Record<string, number>; flagged: number; byDisease: EntityCount[]; byTag: EntityCount[] }> {
    const [status, flagged, disease, tag] = await Promise.all([
      this.db.query<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM teach_questions GROUP BY status'),
      this.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM teach_questions q WHERE q.status <> 'retired' AND cardinality(${FLAGS}) > 0`),
      this.db.query<EntityCountRow>(`SELECT q.disease_id AS id, coalesce(e.name_zh, q.disease_id) AS name, count(*)::int AS total, count(*) FILTER (WHERE q.status = 'approved')::int AS approved
        FROM teach_questions q LEFT JOIN kg_entities e ON e.id = q.disease_id WHERE q.status <> 'retired' AND q.disease_id IS NOT NULL GROUP BY 1, 2 ORDER BY total DESC, name LIMIT 200`),
      this.db.query<EntityCountRow>(`SELECT t.tag AS id, coalesce(e.name_zh, t.tag) AS name, count(*)::int AS total, count(*) FILTER (WHERE q.status = 'approved')::int AS approved
        FROM teach_questions q CROSS JOIN LATERAL unnest(q.tags) AS t(tag) LEFT JOIN kg_entities e ON e.id = t.tag WHERE q.status <> 'retired' GROUP BY 1, 2 ORDER BY total DESC, name LIMIT 500`),
    ]);
    return {
      byStatus: Object.fromEntries(status.rows.map((r) => [r.status, r.n])),
      flagged: flagged.rows[0]?.n ?? 0,
      byDisease: disease.rows,
      byTag: tag.rows,
    };
  }

  /** Items that count for duplicate detection (everything not retired). */
  async forDuplicates(): Promise<{ id: string; stem: string; options: { text: string }[]; factKey: string | null }[]> {
    const { rows } = await this.db.query<{ id: string; stem: string; options: { text: string }[]; fact_key: string | null }>(
      `SELECT id, stem, options, fact_key FROM teach_questions WHERE status <> 'retired'`,
    );
    return rows.map((r) => ({ id: r.id, stem: r.stem, options: r.options, factKey: r.fact_key }));
  }

  /** Approved, unflagged items carrying any of `tags` (all approved when tags is empty), for exam assembly. */
  async approvedFor(tags: string[], q: Queryable = this.db): Promise<Question[]> {
    const { rows } = await q.query<QuestionRowDb>(
      `${SELECT} WHERE q.status = 'approved' AND cardinality(${FLAGS}) = 0 AND (cardinality($1::text[]) = 0 OR q.tags && $1::text[] OR q.disease_id = ANY($1::text[])) ORDER BY q.id`,
      [tags],
    );
    return rows.map(toQuestion);
  }

  /** Replace the editable fields: a new version. */
  async update(tx: Queryable, id: string, d: Pick<Question, 'stem' | 'options' | 'key' | 'explanation' | 'tags' | 'level' | 'difficulty' | 'claim'>, actor: string): Promise<void> {
    await tx.query(
      `UPDATE teach_questions SET stem = $2, options = $3::jsonb, answer_key = $4, explanation = $5, tags = $6, level = $7, difficulty = $8, signature = $9,
         claim = $10::jsonb, version = version + 1, updated_by = $11, updated_at = now() WHERE id = $1`,
      [id, d.stem, JSON.stringify(d.options), d.key, d.explanation, d.tags, d.level, d.difficulty, signatureOf(d.stem, d.options), d.claim ? JSON.stringify(d.claim) : null, actor],
    );
    await this.recordVersion(tx, id, 'edit', actor);
  }

  /** Attach, move or remove an item's figure: a new version. */
  async setFigure(tx: Queryable, id: string, figure: FigureRef | null, actor: string): Promise<void> {
    await tx.query('UPDATE teach_questions SET figure = $2::jsonb, version = version + 1, updated_by = $3, updated_at = now() WHERE id = $1', [id, figure ? JSON.stringify(figure) : null, actor]);
    await this.recordVersion(tx, id, 'edit', actor);
  }

  async setStatus(tx: Queryable, id: string, status: Question['status'], actor: string): Promise<void> {
    await tx.query('UPDATE teach_questions SET status = $2, updated_by = $3, updated_at = now() WHERE id = $1', [id, status, actor]);
    await this.recordVersion(tx, id, status === 'approved' ? 'approve' : 'retire', actor);
  }

  async versions(id: string): Promise<{ version: number; action: string; actor: string; at: string; snapshot: unknown }[]> {
    const { rows } = await this.db.query<{ version: number; action: string; actor: string; at: Date; snapshot: unknown }>(
      'SELECT version, action, actor, at, snapshot FROM teach_question_versions WHERE question_id = $1 ORDER BY at, version', [id]);
    return rows.map((r) => ({ ...r, at: new Date(r.at).toISOString() }));
  }

  /** Record observed difficulty (1 − p) from an item analysis. */
  async setObservedDifficulty(tx: Queryable, id: string, difficulty: number, level: Question['level']): Promise<void> {
    await tx.query('UPDATE teach_questions SET difficulty = $2, level = $3 WHERE id = $1', [id, difficulty, level]);
  }

  private async recordVersion(tx: Queryable, id: string, action: string, actor: string): Promise<void> {
    const q = await this.get(id, tx);
    if (!q) return;
    await tx.query(
      `INSERT INTO teach_question_versions (question_id, version, snapshot, actor, action) VALUES ($1, $2, $3::jsonb, $4, $5) ON CONFLICT DO NOTHING`,
      [id, q.version, JSON.stringify(snapshot(q)), actor, action],
    );
  }
}

interface EntityCountRow {
  id: string;
  name: string;
  total: number;
  approved: number;
}
export type EntityCount = EntityCountRow;
