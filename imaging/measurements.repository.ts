import type { Queryable } from '../store/index.ts';
import { type MeasurementResult, MeasurementResultSchema } from './measurement.schema.ts';

export interface MeasurementRow {
  id: string;
  studyUid: string | null;
  seriesUid: string | null;
  imageKind: 'nifti' | 'dicom';
  modality: string;
  label: number | null;
  lesionCount: number;
  imageKey: string;
  maskKey: string;
  sourceId: string | null;
  jobId: string | null;
  createdBy: string;
  createdAt: string;
}

interface RowDb {
  id: string;
  study_uid: string | null;
  series_uid: string | null;
  image_kind: 'nifti' | 'dicom';
  modality: string;
  label: number | null;
  lesion_count: number;
  image_key: string;
  mask_key: string;
  source_id: string | null;
  job_id: string | null;
  created_by: string;
  created_at: Date;
  result?: unknown;
}

const toRow = (r: RowDb): MeasurementRow => ({
  id: r.id,
  studyUid: r.study_uid,
  seriesUid: r.series_uid,
  imageKind: r.image_kind,
  modality: r.modality,
  label: r.label,
  lesionCount: r.lesion_count,
  imageKey: r.image_key,
  maskKey: r.mask_key,
  sourceId: r.source_id,
  jobId: r.job_id,
  createdBy: r.created_by,
  createdAt: new Date(r.created_at).toISOString(),
});

const COLUMNS = 'id, study_uid, series_uid, image_kind, modality, label, lesion_count, image_key, mask_key, source_id, job_id, created_by, created_at';

/** Stored measurement results (migration 037). */
export class MeasurementsRepository {
  constructor(private readonly db: Queryable) {}

  /**
   * Insert a result; the id is derived from the inputs, so storing the same measurement again keeps the
   * first row (its creator and time) and returns it. Returns the stored row.
   */
  async upsert(tx: Queryable, r: MeasurementResult, ctx: { imageKey: string; maskKey: string; sourceId: string | null; jobId: string | null; actor: string }): Promise<MeasurementRow> {
    const img = r.provenance.image;
    const { rows } = await tx.query<RowDb>(
      `INSERT INTO imaging_measurements (id, study_uid, series_uid, image_kind, image_sha256, mask_sha256, modality, label, lesion_count, image_key, mask_key, source_id, job_id, result, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::jsonb, $15)
       ON CONFLICT (id) DO UPDATE SET image_key = EXCLUDED.image_key, mask_key = EXCLUDED.mask_key
       RETURNING ${COLUMNS}`,
      [
        r.id,
        img.kind === 'dicom' ? img.studyInstanceUid : null,
        img.kind === 'dicom' ? img.seriesInstanceUid : null,
        img.kind,
        img.sha256,
        r.provenance.mask.sha256,
        r.provenance.modality,
        r.provenance.settings.label,
        r.lesions.length,
        ctx.imageKey,
        ctx.maskKey,
        ctx.sourceId,
        ctx.jobId,
        JSON.stringify(r),
        ctx.actor,
      ],
    );
    return toRow(rows[0]);
  }

  /** The full result, or null when absent. */
  async get(id: string): Promise<{ row: MeasurementRow; result: MeasurementResult } | null> {
    const { rows } = await this.db.query<RowDb>(`SELECT ${COLUMNS}, result FROM imaging_measurements WHERE id = $1`, [id]);
    if (!rows[0]) return null;
    return { row: toRow(rows[0]), result: MeasurementResultSchema.parse(rows[0].result) };
  }

  /** Newest first, optionally of one study or one linked source. */
  async list(filter: { studyUid?: string; sourceId?: string; limit?: number } = {}): Promise<MeasurementRow[]> {
    const { rows } = await this.db.query<RowDb>(
      `SELECT ${COLUMNS} FROM imaging_measurements
       WHERE ($1::text IS NULL OR study_uid = $1) AND ($2::text IS NULL OR source_id = $2)
       ORDER BY created_at DESC, id LIMIT $3`,
      [filter.studyUid ?? null, filter.sourceId ?? null, filter.limit ?? 50],
    );
    return rows.map(toRow);
  }

  /** Does a source with this id exist (for linking)? */
  async sourceExists(id: string): Promise<boolean> {
    const { rows } = await this.db.query('SELECT 1 FROM sources WHERE id = $1', [id]);
    return rows.length > 0;
  }
}
