import type { Database } from '../store/index.ts';
import { toVectorLiteral } from '../store/index.ts';
import { orQuery, quoteLexeme } from './lexemes.ts';

export interface SearchFilters {
  kinds?: string[];
  yearFrom?: number;
  yearTo?: number;
  language?: string;
  includeSuperseded: boolean;
}

export interface ChunkDetail {
  id: string;
  source_id: string;
  ordinal: number;
  heading_path: string[];
  page_start: number;
  page_end: number;
  char_start: number;
  text: string;
  title: string;
  kind: string;
  publisher: string | null;
  version: string | null;
  year: number | null;
  language: string;
  superseded_by: string | null;
  retracted_at: Date | null;
  evidence_level: string | null;
  file_name: string;
}

/** Source filters as SQL over alias `s`, parameters starting at `$from`. */
function filterSql(f: SearchFilters, from: number): { sql: string; params: unknown[] } {
  return {
    sql: `s.status = 'ready'
      AND ($${from}::text[] IS NULL OR s.kind = ANY($${from}::text[]))
      AND ($${from + 1}::int IS NULL OR s.year >= $${from + 1})
      AND ($${from + 2}::int IS NULL OR s.year <= $${from + 2})
      AND ($${from + 3}::text IS NULL OR s.language = $${from + 3})
      AND ($${from + 4}::boolean OR s.superseded_by IS NULL)`,
    params: [f.kinds?.length ? f.kinds : null, f.yearFrom ?? null, f.yearTo ?? null, f.language ?? null, f.includeSuperseded],
  };
}

// BM25 constants (Robertson/Sparck Jones): k1 saturates term frequency, b normalises for length.
const K1 = 1.2;
const B = 0.75;
/** ts_rank of one lexeme, unnormalised, is 0.1·Σ1/j² over its occurrences / 1.6449: ×16.449 gives Σ1/j² ∈ [1, 1.64]. */
const TS_RANK_TO_TF = 16.449;
/** At most this many chunks per candidate set are scored (see bm25()). */
export const CANDIDATE_CAP = 400;

export class SearchRepository {
  constructor(private readonly db: Database) {}

  async termDf(lexemes: string[]): Promise<{ n: number; df: Map<string, number> }> {
    const [stats, terms] = await Promise.all([
      this.db.query<{ n: number }>('SELECT n_chunks::int AS n FROM corpus_stats WHERE id = 1'),
      this.db.query<{ term: string; df: number }>('SELECT term, df FROM term_stats WHERE term = ANY($1::text[])', [lexemes]),
    ]);
    return { n: stats.rows[0]?.n ?? 0, df: new Map(terms.rows.map((r) => [r.term, r.df])) };
  }

  /**
   * BM25-style ranking in SQL: Σ idf · tf'(k1+1) / (tf' + k1(1 − b + b·len/avglen)), where tf' is the
   * saturating frequency Postgres' ts_rank computes from positions. Candidates come from the GIN
   * index in two bounded sets: chunks containing every query term first, then chunks containing a
   * selective term. The bound keeps a query of very common words from scoring half the corpus; the
   * conjunctive set ensures the chunks most likely to rank first are always among those scored.
   */
  async bm25(
    terms: Array<{ lexeme: string; idf: number }>,
    candidates: { allOf: string[]; anyOf: string[] },
    filters: SearchFilters,
    limit: number,
  ): Promise<Array<{ id: string; score: number }>> {
    if (terms.length === 0 || candidates.anyOf.length === 0) return [];
    const f = filterSql(filters, 7);
    const { rows } = await this.db.query<{ id: string; score: number }>(
      `WITH q AS (
         SELECT t.tq::tsquery AS tq, t.idf FROM unnest($1::text[], $2::float8[]) AS t(tq, idf)
       ), avg AS (
         SELECT greatest(total_tokens::float8 / greatest(n_chunks, 1), 1) AS avgdl FROM corpus_stats WHERE id = 1
       ), ids AS (
         (SELECT c.id FROM chunks c JOIN sources s ON s.id = c.source_id WHERE c.tsv @@ $3::tsquery AND ${f.sql} LIMIT $5)
         UNION
         (SELECT c.id FROM chunks c JOIN sources s ON s.id = c.source_id WHERE c.tsv @@ $4::tsquery AND ${f.sql} LIMIT $5)
       )
       SELECT c.id, sum(q.idf * r.tf * ${K1 + 1} / (r.tf + ${K1} * (${1 - B} + ${B} * c.token_count / avg.avgdl)))::float8 AS score
       FROM ids JOIN chunks c ON c.id = ids.id CROSS JOIN avg CROSS JOIN q
       CROSS JOIN LATERAL (SELECT ts_rank(c.tsv, q.tq, 0) * ${TS_RANK_TO_TF} AS tf) r
       WHERE r.tf > 0
       GROUP BY c.id
       ORDER BY score DESC, c.id
       LIMIT $6`,
      [
        terms.map((t) => quoteLexeme(t.lexeme)),
        terms.map((t) => t.idf),
        candidates.allOf.map(quoteLexeme).join(' & '),
        orQuery(candidates.anyOf),
        CANDIDATE_CAP,
        limit,
        ...f.params,
      ],
    );
    return rows;
  }

  /** Approximate nearest neighbours (HNSW) for one embedding model, then source filters. */
  async vector(embedding: Float32Array, model: string, dims: number, filters: SearchFilters, limit: number): Promise<Array<{ id: string; distance: number }>> {
    const f = filterSql(filters, 4);
    return this.db.transaction(async (tx) => {
      // ef_search ≥ the over-fetch (2× the limit, for source filters) so the index can return that many.
      await tx.query(`SET LOCAL hnsw.ef_search = ${Math.max(40, Math.min(400, limit * 2))}`);
      const { rows } = await tx.query<{ id: string; distance: number }>(
        `WITH nn AS (
           SELECT e.chunk_id, e.embedding::vector(${dims}) <=> $1::vector(${dims}) AS distance
           FROM chunk_embeddings e WHERE e.model = $2
           ORDER BY e.embedding::vector(${dims}) <=> $1::vector(${dims})
           LIMIT $3
         )
         SELECT nn.chunk_id AS id, nn.distance::float8 AS distance
         FROM nn JOIN chunks c ON c.id = nn.chunk_id JOIN sources s ON s.id = c.source_id
         WHERE ${f.sql}
         ORDER BY nn.distance`,
        [toVectorLiteral(embedding), model, limit * 2, ...f.params],
      );
      return rows.slice(0, limit);
    });
  }

  async chunkDetails(ids: string[]): Promise<ChunkDetail[]> {
    if (ids.length === 0) return [];
    const { rows } = await this.db.query<ChunkDetail>(
      `SELECT c.id, c.source_id, c.ordinal, c.heading_path, c.page_start, c.page_end, c.char_start, c.text,
              s.title, s.kind, s.publisher, s.version, s.year, s.language, s.superseded_by, s.retracted_at, s.evidence_level, s.file_name
       FROM chunks c JOIN sources s ON s.id = c.source_id WHERE c.id = ANY($1::text[])`,
      [ids],
    );
    return rows;
  }
}
