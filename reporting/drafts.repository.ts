import type { Queryable } from '../store/index.ts';
import { type Draft, DraftSchema, type DraftSummary } from './draft.schema.ts';

export class DraftsRepository {
  async insert(tx: Queryable, d: Draft): Promise<void> {
    await tx.query(
      'INSERT INTO report_drafts (id, created_by, created_at, template_id, template_version, engine, measurement_id, ai_result_id, doc) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
      [d.id, d.createdBy, d.createdAt, d.templateId, d.templateVersion, d.engine, d.source.measurementId, d.source.aiResultId, JSON.stringify(d)],
    );
  }

  async get(db: Queryable, id: string): Promise<Draft | null> {
    const { rows } = await db.query<{ doc: unknown }>('SELECT doc FROM report_drafts WHERE id = $1', [id]);
    return rows[0] ? DraftSchema.parse(rows[0].doc) : null;
  }

  async list(db: Queryable, filter: { measurementId?: string; limit: number }): Promise<DraftSummary[]> {
    const { rows } = await db.query<{ doc: Draft }>(
      'SELECT doc FROM report_drafts WHERE ($1::text IS NULL OR measurement_id = $1) ORDER BY created_at DESC, id DESC LIMIT $2',
      [filter.measurementId ?? null, filter.limit],
    );
    return rows.map(({ doc: d }) => ({ id: d.id, createdAt: d.createdAt, createdBy: d.createdBy, templateId: d.templateId, engine: d.engine, impression: d.impression, measurementId: d.source.measurementId }));
  }
}
