import type { Database } from '../store/index.ts';
import { toVectorLiteral } from '../store/index.ts';

export interface SearchFilters {
  kinds?: string[];
  yearFrom?: number;
  yearTo?: number;
  language?: string;
  includeSuperseded: boolean;
  /** Only sources in one of these collections; null or absent: every source. */
  collectionIds?: string[] | null;
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
  /** The topic carried to the passage in a text without headings (ingest/topics.ts). */
  subject: string | null;
  /** The passage before it in the same section (null for a section's first), whose last topic may run on into this one. */
  previous_text: string | null;
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

/** Source filters as SQL over alias `s` (and passages taken out of search, alias `c`), parameters starting at `$from`; the collections filter is the caller's scope. */
function filterSql(f: SearchFilters, from: number): { sql: string; params: unknown[] } {
  return {
    sql: `s.status = 'ready' AND c.disabled_at IS NULL
      AND ($${from}::text[] IS NULL OR s.kind = ANY($${from}::text[]))
      AND ($${from + 1}::int IS NULL OR s.year >= $${from + 1})
      AND ($${from + 2}::int IS NULL OR s.year <= $${from + 2})
      AND ($${from + 3}::text IS NULL OR s.language = $${from + 3})
      AND ($${from + 4}::boolean OR s.superseded_by IS NULL)
      AND ($${from + 5}::text[] IS NULL OR EXISTS (SELECT 1 FROM collection_sources cs WHERE cs.source_id = s.id AND cs.collection_id = ANY($${from + 5}::text[])))`,
    params: [f.kinds?.length ? f.kinds : null, f.yearFrom ?? null, f.yearTo ?? null, f.language ?? null, f.includeSuperseded, f.collectionIds ?? null],
  };
}

export class SearchRepository {
  constructor(private readonly db: Database) {}

  /** Chunk ids of the given seqs that pass the source filters (ready, kind, years, language, current). */
  async passing(seqs: number[], filters: SearchFilters): Promise<Map<number, string>> {
    if (seqs.length === 0) return new Map();
    const f = filterSql(filters, 2);
    const { rows } = await this.db.query<{ seq: string; id: string }>(
      `SELECT c.seq, c.id FROM chunks c JOIN sources s ON s.id = c.source_id WHERE c.seq = ANY($1::bigint[]) AND ${f.sql}`,
      [seqs, ...f.params],
    );
    return new Map(rows.map((r) => [Number(r.seq), r.id]));
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
      `SELECT c.id, c.source_id, c.ordinal, c.heading_path, c.page_start, c.page_end, c.char_start, c.text, c.subject,
              (SELECT p.text FROM chunks p WHERE p.source_id = c.source_id AND p.ordinal = c.ordinal - 1 AND p.heading_path = c.heading_path) AS previous_text,
              s.title, s.kind, s.publisher, s.version, s.year, s.language, s.superseded_by, s.retracted_at, s.evidence_level, s.file_name
       FROM chunks c JOIN sources s ON s.id = c.source_id WHERE c.id = ANY($1::text[])`,
      [ids],
    );
    return rows;
  }
}
