import type { Database, Queryable } from '../store/index.ts';
import type { ChunkInput } from './chunk-input.ts';
import { toVectorLiteral } from '../store/index.ts';

/** A chunk ready for the index: the chunker's fields plus its id, lexemes and statistics inputs. */
export interface ChunkRow extends ChunkInput {
  id: string;
  sourceId: string;
  tokens: string;
  tsv: string;
  tokenCount: number;
  lexemes: string[];
}

/**
 * SQL for the chunk index: chunks, their BM25 statistics and embeddings, always written together in
 * the caller's transaction so statistics never drift from the rows they count.
 */
export class ChunkIndexRepository {
  /**
   * Insert chunks that are not there yet (by id) and account for exactly those. Idempotent: a batch
   * replayed after a crash inserts nothing and changes no statistic. Returns the inserted count.
   */
  async insert(tx: Queryable, rows: ChunkRow[]): Promise<number> {
    if (rows.length === 0) return 0;
    // Column arrays through unnest(): much cheaper to ship into PGlite than one JSON document.
    const { rows: inserted } = await tx.query<{ id: string }>(
      `INSERT INTO chunks (id, source_id, ordinal, heading_path, page_start, page_end, char_start, text, tokens, tsv, token_count)
       SELECT r.id, r.source_id, r.ordinal, string_to_array(r.heading_path, chr(31)), r.page_start, r.page_end, r.char_start,
              r.text, r.tokens, r.tsv::tsvector, r.token_count
       FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::int[], $6::int[], $7::int[], $8::text[], $9::text[], $10::text[], $11::int[])
            AS r(id, source_id, ordinal, heading_path, page_start, page_end, char_start, text, tokens, tsv, token_count)
       ON CONFLICT (id) DO NOTHING
       RETURNING id`,
      [
        rows.map((r) => r.id),
        rows.map((r) => r.sourceId),
        rows.map((r) => r.ordinal),
        rows.map((r) => r.headingPath.join('\u001f')),
        rows.map((r) => r.pageStart),
        rows.map((r) => r.pageEnd),
        rows.map((r) => r.charStart),
        rows.map((r) => r.text),
        rows.map((r) => r.tokens),
        rows.map((r) => r.tsv),
        rows.map((r) => r.tokenCount),
      ],
    );
    if (inserted.length === 0) return 0;
    const fresh = new Set(inserted.map((r) => r.id));
    const freshRows = rows.filter((r) => fresh.has(r.id));
    await this.adjustStats(tx, freshRows, +1);
    return freshRows.length;
  }

  async chunksWithoutEmbedding(
    db: Queryable,
    sourceId: string,
    model: string,
    limit: number,
  ): Promise<Array<{ id: string; heading_path: string[]; text: string; tokens: string }>> {
    const { rows } = await db.query<{ id: string; heading_path: string[]; text: string; tokens: string }>(
      `SELECT c.id, c.heading_path, c.text, c.tokens FROM chunks c
       WHERE c.source_id = $1 AND NOT EXISTS (SELECT 1 FROM chunk_embeddings e WHERE e.chunk_id = c.id AND e.model = $2)
       ORDER BY c.ordinal LIMIT $3`,
      [sourceId, model, limit],
    );
    return rows;
  }

  async insertEmbeddings(tx: Queryable, items: Array<{ chunkId: string; embedding: Float32Array }>, model: string): Promise<number> {
    const { rowCount } = await tx.query(
      `INSERT INTO chunk_embeddings (chunk_id, model, embedding)
       SELECT r.chunk_id, $3, r.embedding::vector FROM unnest($1::text[], $2::text[]) AS r(chunk_id, embedding)
       ON CONFLICT DO NOTHING`,
      [items.map((i) => i.chunkId), items.map((i) => toVectorLiteral(i.embedding)), model],
    );
    return rowCount;
  }

  async sourcesMissingEmbeddings(db: Queryable, model: string): Promise<string[]> {
    const { rows } = await db.query<{ source_id: string }>(
      `SELECT DISTINCT c.source_id FROM chunks c
       WHERE NOT EXISTS (SELECT 1 FROM chunk_embeddings e WHERE e.chunk_id = c.id AND e.model = $1)`,
      [model],
    );
    return rows.map((r) => r.source_id);
  }

  /** Remove every chunk of a source and subtract them from the statistics. */
  async deleteBySource(tx: Queryable, sourceId: string): Promise<number> {
    const { rows } = await tx.query<{ tokens: string; token_count: number }>(
      'SELECT tokens, token_count FROM chunks WHERE source_id = $1',
      [sourceId],
    );
    if (rows.length === 0) return 0;
    await this.adjustStats(
      tx,
      rows.map((r) => ({ lexemes: [...new Set(r.tokens.split(' ').filter(Boolean))], tokenCount: r.token_count })),
      -1,
    );
    await tx.query('DELETE FROM chunks WHERE source_id = $1', [sourceId]);
    return rows.length;
  }

  private async adjustStats(tx: Queryable, rows: Array<Pick<ChunkRow, 'lexemes' | 'tokenCount'>>, sign: 1 | -1): Promise<void> {
    const df = new Map<string, number>();
    let tokens = 0;
    for (const r of rows) {
      tokens += r.tokenCount;
      for (const l of r.lexemes) df.set(l, (df.get(l) ?? 0) + 1);
    }
    // Sorted so concurrent writers on a shared server lock term rows in the same order (no deadlock).
    const terms = [...df.keys()].sort();
    const counts = terms.map((t) => df.get(t) ?? 0);
    if (sign > 0) {
      await tx.query(
        `INSERT INTO term_stats (term, df) SELECT * FROM unnest($1::text[], $2::int[])
         ON CONFLICT (term) DO UPDATE SET df = term_stats.df + EXCLUDED.df`,
        [terms, counts],
      );
    } else {
      // An UPDATE, not an upsert: Postgres checks a proposed row's constraints before it sees the conflict.
      await tx.query(
        `UPDATE term_stats t SET df = greatest(t.df - d.n, 0) FROM unnest($1::text[], $2::int[]) AS d(term, n) WHERE t.term = d.term`,
        [terms, counts],
      );
    }
    await tx.query('UPDATE corpus_stats SET n_chunks = n_chunks + $1, total_tokens = total_tokens + $2 WHERE id = 1', [
      sign * rows.length,
      sign * tokens,
    ]);
  }

  /** Create the partial HNSW index for one embedding model (pgvector's pattern for mixed dimensions). */
  async ensureVectorIndex(db: Database, model: string, dims: number): Promise<void> {
    if (!Number.isInteger(dims) || dims < 1 || dims > 2000) throw new Error(`unsupported embedding dimension ${dims}`);
    const name = `chunk_emb_hnsw_${model.toLowerCase().replace(/[^a-z0-9]+/g, '_').slice(0, 40)}_${dims}`;
    const literal = model.replace(/'/g, "''");
    // A build over existing vectors is only fast when the graph fits in maintenance_work_mem (64 MB by
    // default, less than 100k × 256-dim vectors need); SET LOCAL keeps the raise to this transaction.
    await db.transaction((tx) =>
      tx.exec(
        `SET LOCAL maintenance_work_mem = '512MB';
         CREATE INDEX IF NOT EXISTS ${name} ON chunk_embeddings USING hnsw ((embedding::vector(${dims})) vector_cosine_ops)
         WITH (m = 16, ef_construction = 64) WHERE model = '${literal}'`,
      ),
    );
  }
}
