import type { Database, Queryable } from '../store/index.ts';
import type { ChunkInput } from './chunk-input.ts';
import { toVectorLiteral } from '../store/index.ts';
import { SearchIndexRepository } from './search-index.repository.ts';

/** A chunk ready for the index: the chunker's fields plus its id, lexemes and statistics inputs. */
export interface ChunkRow extends ChunkInput {
  id: string;
  sourceId: string;
  /** Word and entity lexemes, space separated (readable; the hash embedder's features). */
  tokens: string;
  /** Index tokens (BM25 document length). */
  tokenCount: number;
  /** Every index lexeme with repetition (words, bigrams, codes, entities): the posting lists' input. */
  lexemes: string[];
}

/**
 * SQL for the chunk index: chunks, their posting-list segment, corpus statistics and embeddings, always
 * written together in the caller's transaction so statistics never drift from the rows they count.
 */
export class ChunkIndexRepository {
  readonly index = new SearchIndexRepository();

  /**
   * Insert chunks that are not there yet (by id) and account for exactly those. Idempotent: a batch
   * replayed after a crash inserts nothing and changes no statistic. Returns the inserted count.
   */
  async insert(tx: Queryable, rows: ChunkRow[]): Promise<number> {
    if (rows.length === 0) return 0;
    // Column arrays through unnest(): much cheaper to ship into PGlite than one JSON document.
    const { rows: inserted } = await tx.query<{ id: string; seq: string }>(
      `INSERT INTO chunks (id, source_id, ordinal, heading_path, page_start, page_end, char_start, text, tokens, token_count, subject)
       SELECT r.id, r.source_id, r.ordinal, string_to_array(r.heading_path, chr(31)), r.page_start, r.page_end, r.char_start,
              r.text, r.tokens, r.token_count, r.subject
       FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::int[], $6::int[], $7::int[], $8::text[], $9::text[], $10::int[], $11::text[])
            AS r(id, source_id, ordinal, heading_path, page_start, page_end, char_start, text, tokens, token_count, subject)
       ON CONFLICT (id) DO NOTHING
       RETURNING id, seq`,
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
        rows.map((r) => r.tokenCount),
        rows.map((r) => r.subject ?? null),
      ],
    );
    if (inserted.length === 0) return 0;
    const seqOf = new Map(inserted.map((r) => [r.id, Number(r.seq)]));
    const fresh = rows.filter((r) => seqOf.has(r.id));
    await this.index.writeSegment(tx, fresh.map((r) => ({ seq: seqOf.get(r.id) as number, lexemes: r.lexemes })));
    await this.index.adjustCorpus(tx, fresh.length, fresh.reduce((n, r) => n + r.tokenCount, 0));
    return fresh.length;
  }

  /** A source's chunks, and how many of them have a vector for `model` (the embedding job's progress). */
  async embeddingProgress(db: Queryable, sourceId: string, model: string): Promise<{ total: number; done: number }> {
    const { rows } = await db.query<{ total: number; done: number }>(
      `SELECT count(*)::int AS total,
              count(*) FILTER (WHERE EXISTS (SELECT 1 FROM chunk_embeddings e WHERE e.chunk_id = c.id AND e.model = $2))::int AS done
       FROM chunks c WHERE c.source_id = $1`,
      [sourceId, model],
    );
    return { total: rows[0]?.total ?? 0, done: rows[0]?.done ?? 0 };
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

  /** Remove every chunk of a source and subtract them from the statistics (their postings go at the next merge). */
  async deleteBySource(tx: Queryable, sourceId: string): Promise<number> {
    const { rows } = await tx.query<{ seq: string; token_count: number }>('SELECT seq, token_count FROM chunks WHERE source_id = $1', [sourceId]);
    if (rows.length === 0) return 0;
    await this.index.markDeleted(tx, rows.map((r) => Number(r.seq)));
    await this.index.adjustCorpus(tx, -rows.length, -rows.reduce((n, r) => n + r.token_count, 0));
    await tx.query('DELETE FROM chunks WHERE source_id = $1', [sourceId]);
    return rows.length;
  }

  /** Chunks in seq order after `afterSeq`, for rebuilding the posting lists. */
  async chunksAfter(db: Queryable, afterSeq: number, limit: number): Promise<Array<{ seq: string; heading_path: string[]; text: string; title: string; subject: string | null }>> {
    const { rows } = await db.query<{ seq: string; heading_path: string[]; text: string; title: string; subject: string | null }>(
      'SELECT c.seq, c.heading_path, c.text, s.title, c.subject FROM chunks c JOIN sources s ON s.id = c.source_id WHERE c.seq > $1 ORDER BY c.seq LIMIT $2',
      [afterSeq, limit],
    );
    return rows;
  }

  /** Rewrite stored word tokens and lengths after a tokenizer change (rebuild). */
  async updateTokens(tx: Queryable, rows: Array<{ seq: number; tokens: string; tokenCount: number }>): Promise<void> {
    await tx.query(
      'UPDATE chunks c SET tokens = r.tokens, token_count = r.n FROM unnest($1::bigint[], $2::text[], $3::int[]) AS r(seq, tokens, n) WHERE c.seq = r.seq',
      [rows.map((r) => r.seq), rows.map((r) => r.tokens), rows.map((r) => r.tokenCount)],
    );
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
