import { normalizeText, type Tokenizer, yieldToEventLoop } from '../core/index.ts';
import type { Database, Queryable } from '../store/index.ts';
import { type ChunkRow, ChunkIndexRepository } from './chunk-index.repository.ts';
import type { Embedder } from './embedders/embedder.ts';
import type { ChunkInput } from './chunk-input.ts';
import { toTsvectorLiteral } from './lexemes.ts';

export type { ChunkInput };

/** How many times the innermost heading's terms count (see prepare()). */
const HEADING_WEIGHT = 3;

/** What is indexed for a chunk: its heading path and its text (a query for "TNM分期" should find the section so titled). */
export function indexText(headingPath: string[], text: string): string {
  return `${headingPath.join(' ')}\n${text}`;
}

/**
 * Rows for the index from chunks: lexemes with positions for the tsvector, and the statistics' inputs.
 * Pure (needs only a tokenizer), so the ingest parser threads run it off the event loop.
 */
export function prepareChunkRows(tokenizer: Tokenizer, sourceId: string, chunks: ChunkInput[]): ChunkRow[] {
  return chunks.map((c) => {
    // The section title counts HEADING_WEIGHT times (BM25F-style field weight): a chunk under
    // "7.2 T分期" should outrank one that merely mentions T分期 in passing.
    const heading = tokenizer.indexTokens(c.headingPath.at(-1) ?? '');
    const tokens = [...Array.from({ length: HEADING_WEIGHT - 1 }, () => heading).flat(), ...tokenizer.indexTokens(indexText(c.headingPath, c.text))];
    const tsv = toTsvectorLiteral(tokens);
    return {
      id: `${sourceId}:${c.ordinal}`,
      sourceId,
      ordinal: c.ordinal,
      headingPath: c.headingPath,
      pageStart: c.pageStart,
      pageEnd: c.pageEnd,
      charStart: c.charStart,
      text: normalizeText(c.text),
      tokens: tokens.map((t) => t.lexeme).join(' '),
      tsv: tsv.literal,
      tokenCount: tsv.count,
      lexemes: tsv.lexemes,
    };
  });
}

/**
 * Indexing in two idempotent steps. `prepare` + `insert` make chunks searchable by BM25 (lexemes
 * with positions and statistics); `embedPending` adds vectors for the configured embedder. The
 * second step is its own job because embedding (and HNSW insertion) is the slow part, and a remote
 * model may be slower still: text search is available as soon as the first step commits.
 */
export class ChunkIndexer {
  private readonly repo = new ChunkIndexRepository();

  constructor(
    private readonly tokenizer: Tokenizer,
    readonly embedder: Embedder,
  ) {}

  /** Create the vector index for the configured embedder (idempotent; run at start). */
  async init(db: Database): Promise<void> {
    await this.repo.ensureVectorIndex(db, this.embedder.model, this.embedder.dims);
  }

  /** Tokenise: lexemes with positions for the tsvector, and the statistics' inputs. */
  prepare(sourceId: string, chunks: ChunkInput[]): ChunkRow[] {
    return prepareChunkRows(this.tokenizer, sourceId, chunks);
  }

  insert(tx: Queryable, rows: ChunkRow[]): Promise<number> {
    return this.repo.insert(tx, rows);
  }

  /**
   * Embed up to `limit` chunks of a source that have no vector for this embedder yet; returns how
   * many were embedded (0 when the source is complete). Safe to repeat and to interrupt. `timing.writeMs`
   * receives the duration of the write (vector and HNSW insertion), which callers use to size batches.
   */
  async embedPending(db: Database, sourceId: string, limit = 128, timing?: { writeMs: number }): Promise<number> {
    const pending = await this.repo.chunksWithoutEmbedding(db, sourceId, this.embedder.model, limit);
    if (pending.length === 0) return 0;
    const vectors = await this.embedder.embed(
      pending.map((c) => indexText(c.heading_path, c.text)),
      'document',
      pending.map((c) => c.tokens.split(' ')),
    );
    await yieldToEventLoop(); // between the read and the write: each is a synchronous stretch in PGlite
    const started = performance.now();
    const n = await db.transaction((tx) => this.repo.insertEmbeddings(tx, pending.map((c, i) => ({ chunkId: c.id, embedding: vectors[i] })), this.embedder.model));
    if (timing) timing.writeMs = performance.now() - started;
    return n;
  }

  /** Sources with chunks that lack a vector for the configured embedder (after a model change, or a crash). */
  sourcesMissingEmbeddings(db: Database): Promise<string[]> {
    return this.repo.sourcesMissingEmbeddings(db, this.embedder.model);
  }

  deleteBySource(tx: Queryable, sourceId: string): Promise<number> {
    return this.repo.deleteBySource(tx, sourceId);
  }
}
