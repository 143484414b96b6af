import type { Queryable } from '../../store/index.ts';
import { type AiRequest, type AiResult, type AiResultRow, type AiTask, type MappedFinding, MappedFindingSchema } from './ai.schemas.ts';

interface RowDb {
  id: string;
  job_id: string | null;
  connector_id: string | null;
  task: AiTask;
  study_uid: string;
  series_uid: string | null;
  status: AiResultRow['status'];
  attempts: number;
  last_error: string | null;
  model: string | null;
  request: AiRequest;
  findings: unknown[];
  unknown_labels: string[];
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

const toRow = (r: RowDb): AiResultRow => ({
  id: r.id,
  jobId: r.job_id,
  connectorId: r.connector_id,
  task: r.task,
  studyUid: r.study_uid,
  seriesUid: r.series_uid,
  status: r.status,
  attempts: r.attempts,
  lastError: r.last_error,
  model: r.model,
  findings: (r.findings ?? []).map((f) => MappedFindingSchema.parse(f)),
  unknownLabels: r.unknown_labels ?? [],
  createdBy: r.created_by,
  createdAt: new Date(r.created_at).toISOString(),
  updatedAt: new Date(r.updated_at).toISOString(),
});

const modelName = (r: AiResult) => `${r.model.name} ${r.model.version}`.trim();

/** Imaging-AI requests and results (migration 039). */
export class AiResultsRepository {
  constructor(private readonly db: Queryable) {}

  async insert(tx: Queryable, r: { id: string; connectorId: string; request: AiRequest; actor: string }): Promise<AiResultRow> {
    const { rows } = await tx.query<RowDb>(
      `INSERT INTO imaging_ai_results (id, connector_id, task, study_uid, series_uid, status, request, created_by)
       VALUES ($1, $2, $3, $4, $5, 'queued', $6::jsonb, $7) RETURNING *`,
      [r.id, r.connectorId, r.request.task, r.request.studyUid, r.request.seriesUid ?? null, JSON.stringify(r.request), r.actor],
    );
    return toRow(rows[0]);
  }

  /** A result the user imported: stored as succeeded, no connector, no job. Returns null when the id exists. */
  async insertImported(tx: Queryable, r: { id: string; result: AiResult; findings: MappedFinding[]; unknownLabels: string[]; actor: string }): Promise<AiResultRow | null> {
    const request: AiRequest = { task: r.result.task, studyUid: r.result.studyInstanceUid, ...(r.result.seriesInstanceUid ? { seriesUid: r.result.seriesInstanceUid } : {}) };
    const { rows } = await tx.query<RowDb>(
      `INSERT INTO imaging_ai_results (id, task, study_uid, series_uid, status, request, response, findings, unknown_labels, model, created_by)
       VALUES ($1, $2, $3, $4, 'succeeded', $5::jsonb, $6::jsonb, $7::jsonb, $8::text[], $9, $10)
       ON CONFLICT (id) DO NOTHING RETURNING *`,
      [r.id, request.task, request.studyUid, request.seriesUid ?? null, JSON.stringify(request), JSON.stringify(r.result), JSON.stringify(r.findings), r.unknownLabels, modelName(r.result), r.actor],
    );
    return rows[0] ? toRow(rows[0]) : null;
  }

  async setJob(tx: Queryable, id: string, jobId: string): Promise<void> {
    await tx.query('UPDATE imaging_ai_results SET job_id = $2, updated_at = now() WHERE id = $1', [id, jobId]);
  }

  async markRunning(id: string): Promise<void> {
    await this.db.query(`UPDATE imaging_ai_results SET status = 'running', attempts = attempts + 1, updated_at = now() WHERE id = $1`, [id]);
  }

  async markDone(tx: Queryable, id: string, res: { response: AiResult; findings: MappedFinding[]; unknownLabels: string[] }): Promise<void> {
    await tx.query(
      `UPDATE imaging_ai_results SET status = 'succeeded', last_error = NULL, response = $2::jsonb, findings = $3::jsonb, unknown_labels = $4::text[], model = $5, updated_at = now() WHERE id = $1`,
      [id, JSON.stringify(res.response), JSON.stringify(res.findings), res.unknownLabels, modelName(res.response)],
    );
  }

  /** A failed attempt: `retrying` while the job will run again, `failed` when it will not. */
  async markError(id: string, message: string, final: boolean): Promise<void> {
    await this.db.query(`UPDATE imaging_ai_results SET status = $2, last_error = $3, updated_at = now() WHERE id = $1`, [id, final ? 'failed' : 'retrying', message.slice(0, 2000)]);
  }

  async get(id: string): Promise<(AiResultRow & { request: AiRequest }) | null> {
    const { rows } = await this.db.query<RowDb>('SELECT * FROM imaging_ai_results WHERE id = $1', [id]);
    return rows[0] ? { ...toRow(rows[0]), request: rows[0].request } : null;
  }

  async list(f: { studyUid?: string; task?: AiTask; status?: string; limit?: number }): Promise<AiResultRow[]> {
    const { rows } = await this.db.query<RowDb>(
      `SELECT * FROM imaging_ai_results WHERE ($1::text IS NULL OR study_uid = $1) AND ($2::text IS NULL OR task = $2) AND ($3::text IS NULL OR status = $3)
       ORDER BY created_at DESC, id DESC LIMIT $4`,
      [f.studyUid ?? null, f.task ?? null, f.status ?? null, f.limit ?? 50],
    );
    return rows.map(toRow);
  }
}
