import type { ChunkInput } from '../search/index.ts';
import type { Queryable } from '../store/index.ts';
import type { Paging, SourceKind } from './document.ts';
import type { EvidenceLevel } from './evidence-level.ts';

/** A passage as the source's passage list shows it: the indexed passage, its id, and whether it is taken out of search. */
export interface PassageRow extends ChunkInput {
  id: string;
  disabledAt: string | null;
  disabledBy: string | null;
  disabledReason: string | null;
}

/** Editable source metadata (absent keys are left alone; `null` clears an optional field). */
export interface SourceMetaPatch {
  kind?: SourceKind;
  title?: string;
  publisher?: string | null;
  version?: string | null;
  year?: number | null;
  language?: 'zh' | 'en';
  evidenceLevel?: EvidenceLevel | null;
}

const PATCH_COLUMNS: Record<keyof SourceMetaPatch, string> = {
  kind: 'kind',
  title: 'title',
  publisher: 'publisher',
  version: 'version',
  year: 'year',
  language: 'language',
  evidenceLevel: 'evidence_level',
};

/** SQL for managing sources after upload: what they hold, their passages, edits, re-parse and deletion. */
export class SourceAdminRepository {
  /** Counts of what deleting the source removes with it. */
  async holdings(q: Queryable, sourceId: string): Promise<{ pages: number; passages: number; disabledPassages: number; embeddings: number; termEvidence: number }> {
    const { rows } = await q.query<{ pages: number; passages: number; disabled: number; embeddings: number; terms: number }>(
      `SELECT (SELECT count(*)::int FROM pages WHERE source_id = $1) AS pages,
              (SELECT count(*)::int FROM chunks WHERE source_id = $1) AS passages,
              (SELECT count(*)::int FROM chunks WHERE source_id = $1 AND disabled_at IS NOT NULL) AS disabled,
              (SELECT count(*)::int FROM chunk_embeddings e JOIN chunks c ON c.id = e.chunk_id WHERE c.source_id = $1) AS embeddings,
              (SELECT count(*)::int FROM kg_term_evidence WHERE source_id = $1) AS terms`,
      [sourceId],
    );
    const r = rows[0];
    return { pages: r?.pages ?? 0, passages: r?.passages ?? 0, disabledPassages: r?.disabled ?? 0, embeddings: r?.embeddings ?? 0, termEvidence: r?.terms ?? 0 };
  }

  /** Ids of the source's ingest jobs still queued or running. */
  /** The newest version that `sourceId` superseded (what deleting it makes current again), or null. */
  async newestSupersededBy(q: Queryable, sourceId: string): Promise<{ id: string; title: string; versionNo: number } | null> {
    const { rows } = await q.query<{ id: string; title: string; version_no: number }>(
      'SELECT id, title, version_no FROM sources WHERE superseded_by = $1 ORDER BY version_no DESC LIMIT 1',
      [sourceId],
    );
    return rows[0] ? { id: rows[0].id, title: rows[0].title, versionNo: rows[0].version_no } : null;
  }

  async activeIngestJobs(q: Queryable, sourceId: string, kind: string): Promise<string[]> {
    const { rows } = await q.query<{ id: string }>(
      `SELECT id FROM jobs WHERE kind = $1 AND status IN ('queued', 'running') AND payload @> $2::jsonb`,
      [kind, JSON.stringify({ sourceId })],
    );
    return rows.map((r) => r.id);
  }

  /** Apply a metadata patch; returns the columns' values before the change (for the audit row). */
  async patch(tx: Queryable, sourceId: string, patch: SourceMetaPatch): Promise<Record<string, unknown>> {
    const keys = (Object.keys(patch) as Array<keyof SourceMetaPatch>).filter((k) => patch[k] !== undefined);
    const cols = keys.map((k) => PATCH_COLUMNS[k]);
    const { rows } = await tx.query<Record<string, unknown>>(`SELECT ${cols.join(', ')} FROM sources WHERE id = $1 FOR UPDATE`, [sourceId]);
    const before = rows[0] ?? {};
    if (keys.length) {
      await tx.query(
        `UPDATE sources SET ${cols.map((c, i) => `${c} = $${i + 2}`).join(', ')}, updated_at = now() WHERE id = $1`,
        [sourceId, ...keys.map((k) => patch[k])],
      );
    }
    return before;
  }

  /** The source's passages in reading order, a page at a time; `disabled` narrows to taken-out ones. */
  async passages(q: Queryable, sourceId: string, opts: { limit: number; offset: number; disabled?: boolean }): Promise<{ items: PassageRow[]; total: number }> {
    const where = 'source_id = $1 AND ($2::boolean IS NULL OR (disabled_at IS NOT NULL) = $2)';
    const params = [sourceId, opts.disabled ?? null];
    const [{ rows }, count] = await Promise.all([
      q.query<{ id: string; ordinal: number; heading_path: string[]; page_start: number; page_end: number; char_start: number; text: string; disabled_at: Date | null; disabled_by: string | null; disabled_reason: string | null }>(
        `SELECT id, ordinal, heading_path, page_start, page_end, char_start, text, disabled_at, disabled_by, disabled_reason
         FROM chunks WHERE ${where} ORDER BY ordinal LIMIT $3 OFFSET $4`,
        [...params, opts.limit, opts.offset],
      ),
      q.query<{ n: number }>(`SELECT count(*)::int AS n FROM chunks WHERE ${where}`, params),
    ]);
    return {
      items: rows.map((r) => ({
        id: r.id, ordinal: r.ordinal, headingPath: r.heading_path, pageStart: r.page_start, pageEnd: r.page_end, charStart: r.char_start, text: r.text,
        disabledAt: r.disabled_at ? new Date(r.disabled_at).toISOString() : null, disabledBy: r.disabled_by, disabledReason: r.disabled_reason,
      })),
      total: count.rows[0]?.n ?? 0,
    };
  }

  /** One passage's source and disabled state, locked for a change; null when absent. */
  async lockPassage(tx: Queryable, chunkId: string): Promise<{ sourceId: string; disabled: boolean } | null> {
    const { rows } = await tx.query<{ source_id: string; disabled: boolean }>(
      'SELECT source_id, disabled_at IS NOT NULL AS disabled FROM chunks WHERE id = $1 FOR UPDATE',
      [chunkId],
    );
    return rows[0] ? { sourceId: rows[0].source_id, disabled: rows[0].disabled } : null;
  }

  async setPassageDisabled(tx: Queryable, chunkId: string, state: { actor: string; reason: string } | null): Promise<void> {
    await tx.query('UPDATE chunks SET disabled_at = CASE WHEN $2::text IS NULL THEN NULL ELSE now() END, disabled_by = $2, disabled_reason = $3 WHERE id = $1', [
      chunkId,
      state?.actor ?? null,
      state?.reason ?? null,
    ]);
  }

  /** Passage ids of a source that were taken out of search, so a re-parse can say what it resets. */
  async disabledCount(q: Queryable, sourceId: string): Promise<number> {
    const { rows } = await q.query<{ n: number }>('SELECT count(*)::int AS n FROM chunks WHERE source_id = $1 AND disabled_at IS NOT NULL', [sourceId]);
    return rows[0]?.n ?? 0;
  }

  /** Before a re-parse: pages go (new ones follow), pending candidates of the old passages go, the source is pending again. */
  async resetForReparse(tx: Queryable, sourceId: string, doc: { pageCount: number; paging: Paging }): Promise<{ pendingCandidates: number }> {
    await tx.query('DELETE FROM pages WHERE source_id = $1', [sourceId]);
    const { rowCount } = await tx.query(`DELETE FROM kg_candidates WHERE source_id = $1 AND status = 'pending'`, [sourceId]);
    await tx.query(
      `UPDATE sources SET status = 'pending', chunk_count = NULL, error = NULL, page_count = $2, paging = $3, updated_at = now() WHERE id = $1`,
      [sourceId, doc.pageCount, doc.paging],
    );
    return { pendingCandidates: rowCount };
  }

  /** Cancel the source's queued or running jobs of a kind (a deleted source's ingest or extraction). */
  async cancelJobsOf(tx: Queryable, sourceId: string): Promise<number> {
    const { rowCount } = await tx.query(
      `UPDATE jobs SET status = 'cancelled', locked_by = NULL, locked_until = NULL, lease_token = NULL, finished_at = now(), updated_at = now()
       WHERE status IN ('queued', 'running') AND payload @> $1::jsonb`,
      [JSON.stringify({ sourceId })],
    );
    return rowCount;
  }
}
