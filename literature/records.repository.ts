import { z } from 'zod';
import type { Database, Queryable } from '../store/index.ts';
import type { PubmedRecord } from './pubmed-record.ts';

export interface StoredRecord {
  pmid: string;
  sourceId: string;
  recordHash: string;
  retracted: boolean;
}

/** A literature source with its PubMed metadata, as the API and the UI show it. */
export const LiteratureItemSchema = z.object({
  pmid: z.string(),
  sourceId: z.string(),
  title: z.string(),
  year: z.number().nullable(),
  journal: z.string().nullable(),
  doi: z.string().nullable(),
  authors: z.array(z.object({ name: z.string(), affiliation: z.string().nullable() })),
  mesh: z.array(z.object({ descriptor: z.string() })),
  publicationTypes: z.array(z.string()),
  evidenceLevel: z.string().nullable(),
  retracted: z.boolean(),
  versionNo: z.number(),
  hasAbstract: z.boolean(),
  firstRunId: z.string().nullable(),
  lastRunId: z.string().nullable(),
  updatedAt: z.string(),
});
export type LiteratureItem = z.infer<typeof LiteratureItemSchema>;

/** SQL for PubMed metadata (literature_records) and pending retraction notices. */
export class RecordsRepository {
  constructor(private readonly db: Database) {}

  async byPmids(q: Queryable, pmids: string[]): Promise<Map<string, StoredRecord>> {
    if (!pmids.length) return new Map();
    const { rows } = await q.query<{ pmid: string; source_id: string; record_hash: string; retracted: boolean }>(
      'SELECT pmid, source_id, record_hash, retracted FROM literature_records WHERE pmid = ANY($1::text[]) FOR UPDATE',
      [pmids],
    );
    return new Map(rows.map((r) => [r.pmid, { pmid: r.pmid, sourceId: r.source_id, recordHash: r.record_hash, retracted: r.retracted }]));
  }

  /** Insert or refresh records' metadata in one statement. `retracted` is only ever set by markRetracted (which also flags the source). */
  async upsertMany(q: Queryable, items: Array<{ record: PubmedRecord; sourceId: string; hash: string }>, runId: string | null): Promise<void> {
    if (!items.length) return;
    const rows = items.map(({ record: r, sourceId, hash }) => ({
      pmid: r.pmid, source_id: sourceId, record_hash: hash, doi: r.doi, pmcid: r.pmcid, journal: r.journal ?? r.journalAbbrev, authors: r.authors,
      mesh: r.mesh, keywords: r.keywords, publication_types: r.publicationTypes, pub_date: r.pubDate, revised_date: r.revisedDate, has_abstract: r.abstract.length > 0,
    }));
    await q.query(
      `INSERT INTO literature_records (pmid, source_id, record_hash, doi, pmcid, journal, authors, mesh, keywords, publication_types, pub_date,
                                       revised_date, has_abstract, first_run_id, last_run_id)
       SELECT x.pmid, x.source_id, x.record_hash, x.doi, x.pmcid, x.journal, x.authors, x.mesh,
              ARRAY(SELECT jsonb_array_elements_text(x.keywords)), ARRAY(SELECT jsonb_array_elements_text(x.publication_types)),
              x.pub_date, x.revised_date::date, x.has_abstract, $2, $2
       FROM jsonb_to_recordset($1::jsonb) AS x(pmid text, source_id text, record_hash text, doi text, pmcid text, journal text, authors jsonb, mesh jsonb,
                                               keywords jsonb, publication_types jsonb, pub_date text, revised_date text, has_abstract boolean)
       ON CONFLICT (pmid) DO UPDATE SET source_id = EXCLUDED.source_id, record_hash = EXCLUDED.record_hash, doi = EXCLUDED.doi,
         pmcid = EXCLUDED.pmcid, journal = EXCLUDED.journal, authors = EXCLUDED.authors, mesh = EXCLUDED.mesh, keywords = EXCLUDED.keywords,
         publication_types = EXCLUDED.publication_types, pub_date = EXCLUDED.pub_date, revised_date = EXCLUDED.revised_date,
         has_abstract = EXCLUDED.has_abstract, last_run_id = EXCLUDED.last_run_id, updated_at = now()`,
      [JSON.stringify(rows), runId],
    );
  }

  /** An older revision seen again (a mirror lagging behind): its source already exists. */
  async isKnownContent(q: Queryable, hash: string): Promise<boolean> {
    const { rows } = await q.query('SELECT 1 FROM sources WHERE content_hash = $1', [hash]);
    return rows.length > 0;
  }

  async touch(q: Queryable, pmids: string[], runId: string | null): Promise<void> {
    if (pmids.length) await q.query('UPDATE literature_records SET last_run_id = coalesce($2, last_run_id) WHERE pmid = ANY($1::text[])', [pmids, runId]);
  }

  /**
   * Mark a record (and its source) retracted. Returns the source id when this changed anything.
   * Pending candidates from the source get the `retracted_source` tag so reviewers see them.
   */
  async markRetracted(q: Queryable, pmid: string, noticePmid: string | null): Promise<string | null> {
    const { rows } = await q.query<{ source_id: string }>(
      `UPDATE literature_records SET retracted = true, updated_at = now(),
              retraction_pmids = CASE WHEN $2::text IS NULL OR $2 = ANY(retraction_pmids) THEN retraction_pmids ELSE retraction_pmids || $2::text END
       WHERE pmid = $1 AND NOT retracted RETURNING source_id`,
      [pmid, noticePmid],
    );
    const sourceId = rows[0]?.source_id;
    if (!sourceId) return null;
    const note = noticePmid ? `撤稿声明 PMID ${noticePmid} / retracted (notice PMID ${noticePmid})` : '已撤稿 / retracted publication';
    // Every version of the article is retracted, not only the current one.
    await q.query(
      `UPDATE sources SET retracted_at = coalesce(retracted_at, now()), retraction_note = $2, updated_at = now()
       WHERE lineage_key = (SELECT lineage_key FROM sources WHERE id = $1)`,
      [sourceId, note],
    );
    await q.query(
      `UPDATE kg_candidates SET tags = array_append(tags, 'retracted_source')
       WHERE status = 'pending' AND NOT ('retracted_source' = ANY(tags))
         AND source_id IN (SELECT id FROM sources WHERE lineage_key = (SELECT lineage_key FROM sources WHERE id = $1))`,
      [sourceId],
    );
    return sourceId;
  }

  /** A notice whose article has not arrived yet: applied when it does. */
  async rememberRetraction(q: Queryable, pmid: string, noticePmid: string): Promise<void> {
    await q.query('INSERT INTO literature_retractions (pmid, notice_pmid) VALUES ($1, $2) ON CONFLICT (pmid) DO NOTHING', [pmid, noticePmid]);
  }

  async pendingRetractions(q: Queryable, pmids: string[]): Promise<Map<string, string>> {
    if (!pmids.length) return new Map();
    const { rows } = await q.query<{ pmid: string; notice_pmid: string }>('SELECT pmid, notice_pmid FROM literature_retractions WHERE pmid = ANY($1::text[])', [pmids]);
    return new Map(rows.map((r) => [r.pmid, r.notice_pmid]));
  }

  async list(f: { runId?: string; retracted?: boolean; q?: string; limit: number; offset: number }): Promise<{ total: number; items: LiteratureItem[] }> {
    const params: unknown[] = [f.runId ?? null, f.retracted ?? null, f.q ? `%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null];
    const where = `WHERE ($1::text IS NULL OR lr.first_run_id = $1 OR lr.last_run_id = $1)
                     AND ($2::boolean IS NULL OR lr.retracted = $2)
                     AND ($3::text IS NULL OR s.title ILIKE $3 OR lr.pmid = replace($3, '%', '') OR lr.doi ILIKE $3)`;
    const from = 'FROM literature_records lr JOIN sources s ON s.id = lr.source_id';
    const [{ rows: n }, { rows }] = await Promise.all([
      this.db.query<{ n: number }>(`SELECT count(*)::int AS n ${from} ${where}`, params),
      this.db.query<{
        pmid: string; source_id: string; title: string; year: number | null; journal: string | null; doi: string | null; authors: LiteratureItem['authors'];
        mesh: LiteratureItem['mesh']; publication_types: string[]; evidence_level: string | null; retracted: boolean; version_no: number;
        has_abstract: boolean; first_run_id: string | null; last_run_id: string | null; updated_at: Date;
      }>(
        `SELECT lr.*, s.title, s.year, s.evidence_level, s.version_no ${from} ${where}
         ORDER BY lr.updated_at DESC, lr.pmid DESC LIMIT ${Number(f.limit)} OFFSET ${Number(f.offset)}`,
        params,
      ),
    ]);
    return {
      total: n[0]?.n ?? 0,
      items: rows.map((r) => ({
        pmid: r.pmid, sourceId: r.source_id, title: r.title, year: r.year, journal: r.journal, doi: r.doi, authors: r.authors,
        mesh: r.mesh.map((m) => ({ descriptor: m.descriptor })), publicationTypes: r.publication_types, evidenceLevel: r.evidence_level,
        retracted: r.retracted, versionNo: r.version_no, hasAbstract: r.has_abstract, firstRunId: r.first_run_id, lastRunId: r.last_run_id,
        updatedAt: new Date(r.updated_at).toISOString(),
      })),
    };
  }
}
