import type { Queryable } from '../../store/index.ts';
import { type Dashboard, type QcResult, QcResultSchema, type QcRun } from './qc.schema.ts';

interface RowDb {
  id: string;
  result: unknown;
  created_by: string;
  created_at: Date;
}

const toRun = (r: RowDb): QcRun => ({ ...QcResultSchema.parse(r.result), id: r.id, createdBy: r.created_by, createdAt: new Date(r.created_at).toISOString() });

/** Protocol QC runs (migration 038). */
export class QcRepository {
  /** `timeZone`: weeks of the dashboard start on Monday in the department's time zone (YZ_TIMEZONE). */
  constructor(
    private readonly db: Queryable,
    private readonly timeZone = 'Asia/Shanghai',
  ) {}

  /** Insert a run; the same series checked again with the same rules (same input key) returns the stored run. */
  async upsert(tx: Queryable, id: string, inputKey: string, r: QcResult, actor: string): Promise<QcRun> {
    const { rows } = await tx.query<RowDb>(
      `INSERT INTO protocol_qc_runs (id, input_key, study_uid, series_uid, modality, exam_type, protocol_name, series_description, scanner, acquired_at, score, status, result, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::jsonb, $14)
       ON CONFLICT (input_key) DO UPDATE SET input_key = EXCLUDED.input_key
       RETURNING id, result, created_by, created_at`,
      [id, inputKey, r.studyUid, r.seriesUid, r.modality, r.examType?.id ?? null, r.protocolName, r.seriesDescription, r.scanner, r.acquiredAt, r.score, r.status, JSON.stringify(r), actor],
    );
    return toRun(rows[0]);
  }

  async get(id: string): Promise<QcRun | null> {
    const { rows } = await this.db.query<RowDb>('SELECT id, result, created_by, created_at FROM protocol_qc_runs WHERE id = $1', [id]);
    return rows[0] ? toRun(rows[0]) : null;
  }

  /** Newest first (by acquisition time), filtered by scanner, status or exam type. */
  async list(f: { scanner?: string; status?: string; examType?: string; limit?: number }): Promise<QcRun[]> {
    const { rows } = await this.db.query<RowDb>(
      `SELECT id, result, created_by, created_at FROM protocol_qc_runs
       WHERE ($1::text IS NULL OR scanner = $1) AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR exam_type = $3)
       ORDER BY coalesce(acquired_at, created_at) DESC, id DESC LIMIT $4`,
      [f.scanner ?? null, f.status ?? null, f.examType ?? null, f.limit ?? 100],
    );
    return rows.map(toRun);
  }

  /** Weekly mean score and status counts per scanner (or per protocol) over the last `days`. */
  async dashboard(groupBy: 'scanner' | 'protocol', days: number): Promise<Dashboard> {
    const key = groupBy === 'scanner' ? 'scanner' : "coalesce(exam_type, '(unmatched)')";
    const { rows } = await this.db.query<{ key: string; week: string; runs: number; mean: string; pass: number; warn: number; fail: number }>(
      `SELECT ${key} AS key, date_trunc('week', coalesce(acquired_at, created_at) AT TIME ZONE $2)::date::text AS week, count(*)::int AS runs, avg(score)::numeric(6, 2)::text AS mean,
              count(*) FILTER (WHERE status = 'pass')::int AS pass, count(*) FILTER (WHERE status = 'warn')::int AS warn, count(*) FILTER (WHERE status = 'fail')::int AS fail
       FROM protocol_qc_runs
       WHERE coalesce(acquired_at, created_at) >= now() - make_interval(days => $1)
       GROUP BY 1, 2 ORDER BY 1, 2`,
      [days, this.timeZone],
    );
    const series = new Map<string, Dashboard['series'][number]>();
    const totals = { runs: 0, pass: 0, warn: 0, fail: 0 };
    for (const r of rows) {
      let s = series.get(r.key);
      if (!s) {
        s = { key: r.key, points: [] };
        series.set(r.key, s);
      }
      s.points.push({ week: r.week, runs: r.runs, meanScore: Number(r.mean), pass: r.pass, warn: r.warn, fail: r.fail });
      totals.runs += r.runs;
      totals.pass += r.pass;
      totals.warn += r.warn;
      totals.fail += r.fail;
    }
    return { groupBy, days, series: [...series.values()], totals };
  }
}
