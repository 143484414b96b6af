import type { Queryable } from '../../store/index.ts';
import type { Push, PushFormat } from './push.schema.ts';

interface PushRow {
  id: string;
  draft_id: string;
  connector_id: string;
  connector_name: string;
  format: PushFormat;
  base_url: string;
  status: Push['status'];
  attempts: number;
  last_error: string | null;
  response_status: number | null;
  job_id: string | null;
  created_by: string;
  created_at: Date | string;
  updated_at: Date | string;
  sent_at: Date | string | null;
}

const iso = (d: Date | string) => new Date(d).toISOString();
const toPush = (r: PushRow): Push & { baseUrl: string } => ({
  id: r.id, draftId: r.draft_id, connectorId: r.connector_id, connectorName: r.connector_name, format: r.format, status: r.status, attempts: r.attempts,
  lastError: r.last_error, responseStatus: r.response_status, jobId: r.job_id, createdBy: r.created_by, createdAt: iso(r.created_at), updatedAt: iso(r.updated_at),
  sentAt: r.sent_at ? iso(r.sent_at) : null, baseUrl: r.base_url,
});

export class PushesRepository {
  async insert(tx: Queryable, p: { id: string; draftId: string; connectorId: string; connectorName: string; format: PushFormat; baseUrl: string; createdBy: string }): Promise<void> {
    await tx.query(
      `INSERT INTO report_pushes (id, draft_id, connector_id, connector_name, format, base_url, status, created_by) VALUES ($1, $2, $3, $4, $5, $6, 'queued', $7)`,
      [p.id, p.draftId, p.connectorId, p.connectorName, p.format, p.baseUrl, p.createdBy],
    );
  }

  async setJob(tx: Queryable, id: string, jobId: string): Promise<void> {
    await tx.query('UPDATE report_pushes SET job_id = $2, updated_at = now() WHERE id = $1', [id, jobId]);
  }

  async get(q: Queryable, id: string): Promise<(Push & { baseUrl: string }) | null> {
    const { rows } = await q.query<PushRow>('SELECT * FROM report_pushes WHERE id = $1', [id]);
    return rows[0] ? toPush(rows[0]) : null;
  }

  async listByDraft(q: Queryable, draftId: string): Promise<Push[]> {
    const { rows } = await q.query<PushRow>('SELECT * FROM report_pushes WHERE draft_id = $1 ORDER BY created_at DESC, id DESC LIMIT 100', [draftId]);
    return rows.map((r) => {
      const { baseUrl: _b, ...p } = toPush(r);
      return p;
    });
  }

  async markSent(tx: Queryable, id: string, responseStatus: number): Promise<void> {
    await tx.query(
      `UPDATE report_pushes SET status = 'sent', attempts = attempts + 1, last_error = NULL, response_status = $2, sent_at = now(), updated_at = now() WHERE id = $1`,
      [id, responseStatus],
    );
  }

  /** An attempt that failed: `retrying` while the job will try again, `failed` when it will not. */
  async markError(q: Queryable, id: string, error: string, responseStatus: number | null, final: boolean): Promise<void> {
    await q.query(
      `UPDATE report_pushes SET status = $3, attempts = attempts + 1, last_error = $2, response_status = $4, updated_at = now() WHERE id = $1 AND status <> 'sent'`,
      [id, error, final ? 'failed' : 'retrying', responseStatus],
    );
  }

  /** A user's retry of a failed push: queued again (the job keeps its id). */
  async requeue(tx: Queryable, id: string): Promise<boolean> {
    const { rowCount } = await tx.query(`UPDATE report_pushes SET status = 'queued', updated_at = now() WHERE id = $1 AND status = 'failed'`, [id]);
    return rowCount > 0;
  }
}
