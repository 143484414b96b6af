import { normalizeText, type Token, type Tokenizer, yieldToEventLoop } from '../core/index.ts';
import type { Database, Queryable } from '../store/index.ts';
import { type ChunkRow, ChunkIndexRepository } from './chunk-index.repository.ts';
import type { Embedder } from './embedders/embedder.ts';
import type { ChunkInput } from './chunk-input.ts';

export type { ChunkInput };

/** How many times the innermost heading's terms count (see prepare()). */
const HEADING_WEIGHT = 3;
/**
 * Version of what the posting lists are built from (tokenizer streams, heading weight). A start that
 * finds another version rebuilds the lists from the stored chunk texts.
 */
export const INDEX_VERSION = 'grams-v2-weak-fields';
const REBUILD_BATCH = 500;

/** What is indexed for a chunk: its heading path and its text (a query for "TNM分期" should find the section so titled). */
export function indexText(headingPath: string[], text: string): string {
  return `${headingPath.join(' ')}\n${text}`;
}

/**
 * The index lexemes of a chunk: its heading path and text, the section title counted HEADING_WEIGHT
 * times (BM25F-style field weight: a chunk under "7.2 T分期" outranks one that mentions T分期 in passing),
 * and, once each, the weak fields — the document's title and the subject carried from the sentence that
 * opened the passage's topic — so 「非小细胞肺癌T2期」 finds section 「5.3 T2」 of a guideline whose title
 * names the disease, and 「麻疹的并发症」 a passage that says only 「本病…」. Once is weak: a passage that
 * names the words itself still counts them more.
 */
export function analyseChunk(
  tokenizer: Tokenizer,
  headingPath: string[],
  text: string,
  weak: Array<string | null | undefined> = [],
  memo: FieldMemo = new Map(),
): { lexemes: string[]; tokens: string; tokenCount: number } {
  const heading = fieldLexemes(tokenizer, memo, headingPath.at(-1) ?? '');
  const body = tokenizer.indexStreams(indexText(headingPath, text));
  const fields = weak.filter((w): w is string => Boolean(w?.trim()));
  const extra = fields.length ? fieldLexemes(tokenizer, memo, fields.join('\n')) : [];
  const lexemes: string[] = [];
  for (let i = 1; i < HEADING_WEIGHT; i++) for (const l of heading) lexemes.push(l);
  const words = body.words.map((t) => t.lexeme);
  for (const l of words) lexemes.push(l);
  for (const t of body.grams) lexemes.push(t.lexeme);
  for (const t of body.codes) lexemes.push(t.lexeme);
  for (const l of extra) lexemes.push(l);
  return { lexemes, tokens: words.join(' '), tokenCount: lexemes.length };
}

/**
 * Lexemes of a short field (a section title, the document's title and a passage subject) by its text:
 * the chunks of one section or one document share them, so a batch tokenises each distinct field once.
 */
export type FieldMemo = Map<string, readonly string[]>;

function fieldLexemes(tokenizer: Tokenizer, memo: FieldMemo, field: string): readonly string[] {
  let lexemes = memo.get(field);
  if (!lexemes) {
    lexemes = tokenizer.indexTokens(field).map((t: Token) => t.lexeme);
    memo.set(field, lexemes);
  }
  return lexemes;
}

/**
 * Rows for insert() from chunks: lexemes for the posting lists, word tokens, lengths.
 * Pure (needs only a tokenizer), so the ingest parser threads run it off the event loop.
 */
export function prepareChunkRows(tokenizer: Tokenizer, sourceId: string, chunks: ChunkInput[], title?: string): ChunkRow[] {
  const memo: FieldMemo = new Map();
  return chunks.map((c) => ({
    id: `${sourceId}:${c.ordinal}`,
    sourceId,
    ordinal: c.ordinal,
    headingPath: c.headingPath,
    pageStart: c.pageStart,
    pageEnd: c.pageEnd,
    charStart: c.charStart,
    text: normalizeText(c.text),
    ...(c.subject ? { subject: c.subject } : {}),
    ...analyseChunk(tokenizer, c.headingPath, c.text, [title, c.subject], memo),
  }));
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

  /**
   * At start: the vector index for the configured embedder, and posting lists built by this tokenizer
   * version (rebuilt from stored chunk texts when the version differs — after an upgrade). Idempotent.
   */
  async init(db: Database): Promise<void> {
    // Processes starting together on one server would race on CREATE INDEX and rebuild the postings twice.
    await db.withLock('search-index-init', async () => {
      await this.repo.ensureVectorIndex(db, this.embedder.model, this.embedder.dims);
      if ((await this.repo.index.version(db)) !== INDEX_VERSION) await this.rebuild(db);
    });
  }

  /** Rebuild every posting list from the chunks' text (one transaction: readers see the old or the new index). */
  async rebuild(db: Database): Promise<void> {
    await db.transaction(async (tx) => {
      await this.repo.index.reset(tx, INDEX_VERSION);
      let after = 0;
      for (;;) {
        const batch = await this.repo.chunksAfter(tx, after, REBUILD_BATCH);
        if (batch.length === 0) break;
        const analysed = batch.map((c) => ({ seq: Number(c.seq), ...this.analyse(c.heading_path, c.text, [c.title, c.subject]) }));
        await this.repo.updateTokens(tx, analysed);
        await this.repo.index.writeSegment(tx, analysed);
        await this.repo.index.adjustCorpus(tx, analysed.length, analysed.reduce((n, a) => n + a.tokenCount, 0));
        after = analysed[analysed.length - 1].seq;
      }
    });
    await this.repo.index.compact(db, { all: true });
  }

  /** Merge posting-list segments (tiered; `all` folds them into one). Run after ingest jobs. */
  compact(db: Database, opts: { all?: boolean } = {}): Promise<number> {
    return this.repo.index.compact(db, opts);
  }

  /** Bytes of the posting-list index on disk (see SearchIndexRepository.sizeBytes). */
  indexSizeBytes(db: Queryable): Promise<number> {
    return this.repo.index.sizeBytes(db);
  }

  analyse(headingPath: string[], text: string, weak: Array<string | null> = []): { lexemes: string[]; tokens: string; tokenCount: number } {
    return analyseChunk(this.tokenizer, headingPath, text, weak);
  }

  prepare(sourceId: string, chunks: ChunkInput[], title?: string): ChunkRow[] {
    return prepareChunkRows(this.tokenizer, sourceId, chunks, title);
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

  /** A source's chunks, and how many have a vector for the configured embedder. */
  embeddingProgress(db: Queryable, sourceId: string): Promise<{ total: number; done: number }> {
    return this.repo.embeddingProgress(db, sourceId, this.embedder.model);
  }

  /** Sources with chunks that lack a vector for the configured embedder (after a model change, or a crash). */
  sourcesMissingEmbeddings(db: Database): Promise<string[]> {
    return this.repo.sourcesMissingEmbeddings(db, this.embedder.model);
  }

  deleteBySource(tx: Queryable, sourceId: string): Promise<number> {
    return this.repo.deleteBySource(tx, sourceId);
  }
}
