import { normalizeText, type Tokenizer } from '../core/index.ts';
import type { Database, Queryable } from '../store/index.ts';
import { type ChunkRow, ChunkIndexRepository } from './chunk-index.repository.ts';
import type { Embedder } from './embedders/embedder.ts';
import { toTsvectorLiteral } from './lexemes.ts';

export interface ChunkInput {
  ordinal: number;
  headingPath: string[];
  pageStart: number;
  pageEnd: number;
  charStart: number;
  text: string;
}

/** Turns chunk drafts into indexed rows: lexemes with positions, BM25 statistics and an embedding. */
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

  /** Tokenise and embed (outside any transaction: a remote embedder may be slow). */
  async prepare(sourceId: string, chunks: ChunkInput[]): Promise<ChunkRow[]> {
    // Headings are indexed with the text: a query for "TNM分期" should find the section so titled.
    const indexTexts = chunks.map((c) => `${c.headingPath.join(' ')}\n${c.text}`);
    const embeddings = await this.embedder.embed(indexTexts, 'document');
    return chunks.map((c, i) => {
      const tokens = this.tokenizer.indexTokens(indexTexts[i]);
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
        tokens: tokens.map((t) => t.lexeme.replace(/\s+/g, '_')).join(' '),
        tsv: tsv.literal,
        tokenCount: tsv.count,
        lexemes: tsv.lexemes,
        embedding: embeddings[i],
      };
    });
  }

  insert(tx: Queryable, rows: ChunkRow[]): Promise<number> {
    return this.repo.insert(tx, rows, this.embedder.model);
  }

  deleteBySource(tx: Queryable, sourceId: string): Promise<number> {
    return this.repo.deleteBySource(tx, sourceId);
  }
}
