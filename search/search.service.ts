import { AppError, type KnowledgeScope, type ScopeResolver, type Tokenizer, UNRESTRICTED, type Viewer } from '../core/index.ts';
import type { Database } from '../store/index.ts';
import { bm25, plainBigrams, plainScores, plainText } from './bm25.ts';
import { DEFAULT_GUARD, guardPlainTop, type PlainGuard } from './bm25-guard.ts';
import { formatCitation } from './citation.ts';
import type { Embedder } from './embedders/embedder.ts';
import { indexText } from './chunk-indexer.ts';
import { fuse, fusionWeightsFor, type FusionWeights } from './fusion.ts';
import { highlightRanges } from './highlight.ts';
import { buildQueryPlan, type QueryPlan } from './query-plan.ts';
import { DEFAULT_RERANK, type RerankFeatures, rerank, type RerankWeights } from './rerank.ts';
import type { Reranker } from './rerankers/reranker.ts';
import { SearchIndexRepository } from './search-index.repository.ts';
import { type SearchFilters, SearchRepository } from './search.repository.ts';
import { MAX_QUERY_CHARS, type SearchHit, type SearchRequest, SearchRequestSchema, type SearchResponse } from './search.schemas.ts';

/** Lexical candidates kept from BM25 (all matching chunks are scored; these are the best). */
const LEXICAL_CANDIDATES = 100;
/** Vector neighbours taken into the fusion. */
const VECTOR_CANDIDATES = 30;
/** Fused candidates the rerank reads. */
const RERANK_CANDIDATES = 50;
/** The plain bigram-BM25 baseline's best hits, always among the candidates the rerank reads. */
const PLAIN_CANDIDATES = 10;

export interface SearchTuning {
  /** First-stage fusion weights; default per embedder (fusionWeightsFor). */
  fusion?: FusionWeights;
  /** Rerank feature weights; `null` switches the rerank off. */
  rerank?: RerankWeights | null;
  /** Protection of the plain bigram-BM25 baseline's best hits after the rerank (bm25-guard.ts); `null` switches it off. */
  guard?: PlainGuard | null;
}

/**
 * Hybrid retrieval in two stages. First stage: exact BM25 over posting lists of words, CJK bigrams,
 * codes and entity lexemes (search/bm25.ts), and vector neighbours, fused by score with weights
 * calibrated per embedder (search/fusion.ts: a lexical hash embedder only breaks ties and extends recall;
 * it can never push out BM25's top hits). Second stage (hybrid mode): a feature rerank — best sentence,
 * subject + attribute cue, coverage, headings, proximity, evidence prior — and a model reranker when one
 * is configured. Every hit carries its citation and highlight ranges.
 */
export class SearchService {
  private readonly repo: SearchRepository;
  private readonly index = new SearchIndexRepository();

  constructor(
    private readonly db: Database,
    private readonly tokenizer: Tokenizer,
    private readonly embedder: Embedder,
    private readonly opts: { reranker?: Reranker | null; tuning?: SearchTuning; scopes?: ScopeResolver } = {},
  ) {
    this.repo = new SearchRepository(db);
  }

  /**
   * Search as `viewer` (null: a local command, which may read everything): only the collections the viewer's role
   * can see, narrowed to `input.collections` when given (an unknown or hidden one is COLLECTION_NOT_FOUND).
   */
  async search(input: SearchRequest, tuning: SearchTuning = this.opts.tuning ?? {}, viewer: Viewer | null = null): Promise<SearchResponse> {
    const scope = this.opts.scopes ? await this.opts.scopes.resolve(viewer, input.collections ?? []) : UNRESTRICTED;
    return this.searchIn(scope, input, tuning);
  }

  /** Search within an already resolved scope (chat's tools hold the scope of the turn). */
  async searchIn(scope: KnowledgeScope, input: SearchRequest, tuning: SearchTuning = this.opts.tuning ?? {}): Promise<SearchResponse> {
    const started = performance.now();
    const parsed = SearchRequestSchema.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new AppError('VALIDATION_FAILED', `参数 ${issue?.path.join('.')} 无效 / invalid: ${issue?.message}`, { field: String(issue?.path[0]) });
    }
    const req = parsed.data;
    const q = req.q.trim();
    if (!q) throw new AppError('QUERY_EMPTY', '请输入检索词 / the query is empty', { field: 'q' });
    if (q.length > MAX_QUERY_CHARS) {
      throw new AppError('QUERY_TOO_LONG', `检索词过长（${q.length} 字），上限 ${MAX_QUERY_CHARS} 字 / query longer than ${MAX_QUERY_CHARS} characters`, {
        field: 'q',
      });
    }
    const filters: SearchFilters = { kinds: req.kind, yearFrom: req.yearFrom, yearTo: req.yearTo, language: req.language, includeSuperseded: req.includeSuperseded, collectionIds: scope.collectionIds };
    const plan = buildQueryPlan(q, this.tokenizer);
    const empty = { query: q, terms: plan.display, mode: req.mode, embeddingModel: this.embedder.model, results: [] };
    // Nothing searchable (only punctuation, emoji or function words): an empty answer, not an error.
    if (plan.terms.length === 0) return { ...empty, tookMs: elapsed(started) };

    const [lexical, vector] = await Promise.all([
      req.mode === 'vector' ? null : this.lexical(plan, filters),
      // The folded query (full-width, traditional, Kangxi forms normalised), as the lexical side searches it.
      req.mode === 'bm25' ? [] : this.vector(plan.folded, filters),
    ]);
    // No query word occurs anywhere in the corpus: a lexical embedder's neighbours would be noise, so say "nothing found".
    if (req.mode === 'hybrid' && lexical?.ranked.length === 0 && this.embedder.lexical) return { ...empty, tookMs: elapsed(started) };

    const fused = fuse(lexical?.ranked ?? [], vector, tuning.fusion ?? fusionWeightsFor(this.embedder));
    const reranking = req.mode === 'hybrid' && tuning.rerank !== null;
    const head = fused.slice(0, reranking ? RERANK_CANDIDATES : req.top);
    if (reranking) {
      // The baseline's best hits (by posting lists) are always read by the rerank, even where the fusion ranked them lower.
      const inHead = new Set(head.map((f) => f.id));
      for (const id of lexical?.plainHits ?? []) if (!inHead.has(id)) head.push(fused.find((f) => f.id === id) ?? { id, score: 0, lexicalRank: null, vectorRank: null });
    }
    const details = new Map((await this.repo.chunkDetails(head.map((f) => f.id))).map((d) => [d.id, d]));
    // The baseline's own scores of what the rerank reads, from their text: its order among them and its first hit.
    const plain = plainScores(plainBigrams(plan.folded), lexical?.plainIdf ?? new Map(), [...details.values()].map((d) => ({ id: d.id, text: plainText(indexText(d.heading_path, d.text)) })));
    const plainRanked = [...plain.entries()].filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([id]) => id);
    const plainTop = plain.get(plainRanked[0] ?? '') || 1;
    let order: Array<(typeof head)[number] & { final: number; features?: RerankFeatures; model?: number }> = head
      .filter((f) => details.has(f.id))
      .map((f) => ({ ...f, final: f.score }));
    if (reranking) {
      const reranked = rerank(
        plan,
        lexical?.idf ?? new Map(),
        order.map((f) => {
          const d = details.get(f.id);
          return { id: f.id, text: d?.text ?? '', headingPath: d?.heading_path ?? [], title: d?.title ?? '', subject: d?.subject ?? null, previousText: d?.previous_text ?? null, first: f.score, plain: (plain.get(f.id) ?? 0) / plainTop, evidenceLevel: d?.evidence_level ?? null, year: d?.year ?? null };
        }),
        this.tokenizer,
        tuning.rerank ?? DEFAULT_RERANK,
      );
      const byId = new Map(order.map((f) => [f.id, f]));
      order = reranked.map((r) => ({ ...(byId.get(r.id) as (typeof order)[number]), final: r.score, features: r.features }));
      if (this.opts.reranker) order = await this.modelRerank(q, order, details);
      const guard = tuning.guard === undefined ? DEFAULT_GUARD : tuning.guard;
      if (guard) order = guardPlainTop(order, plainRanked, guard);
    }
    const surfaces = plan.display.flatMap((t) => [t.surface, ...t.expandsTo]);
    const results: SearchHit[] = order.slice(0, req.top).map((f) => {
      const d = details.get(f.id) as NonNullable<ReturnType<typeof details.get>>;
      return {
        chunkId: d.id,
        sourceId: d.source_id,
        title: d.title,
        kind: d.kind,
        publisher: d.publisher,
        version: d.version,
        year: d.year,
        superseded: d.superseded_by !== null,
        retracted: d.retracted_at !== null,
        evidenceLevel: d.evidence_level,
        pageStart: d.page_start,
        pageEnd: d.page_end,
        headingPath: d.heading_path,
        text: d.text,
        highlights: highlightRanges(d.text, surfaces),
        score: Math.round(f.final * 10_000) / 10_000,
        bm25Rank: f.lexicalRank,
        vectorRank: f.vectorRank,
        citation: formatCitation({ title: d.title, version: d.version, year: d.year, pageStart: d.page_start, pageEnd: d.page_end, retracted: d.retracted_at !== null }),
        ...(req.explain ? { why: { first: round(f.score), features: f.features ? roundAll(f.features) : null, model: f.model === undefined ? null : round(f.model) } } : {}),
      };
    });
    return { ...empty, results, tookMs: elapsed(started) };
  }

  /**
   * BM25 over every chunk containing a query term, then the source filters, keeping rank order; beside it the plain
   * bigram BM25's best PLAIN_CANDIDATES hits by posting lists that pass the filters, and the IDF of its bigrams.
   */
  private async lexical(plan: QueryPlan, filters: SearchFilters) {
    let want = LEXICAL_CANDIDATES;
    const plainTerms = plainBigrams(plan.folded);
    for (;;) {
      const res = await bm25(this.db, this.index, plan.terms, want, plainTerms);
      const passing = await this.repo.passing([...new Set([...res.ranked, ...res.plain.ranked].map((r) => r.seq))], filters);
      const ranked = res.ranked.filter((r) => passing.has(r.seq)).map((r) => ({ id: passing.get(r.seq) as string, score: r.score }));
      // Restrictive filters can empty the head of the ranking: look deeper until enough pass or nothing is left.
      if (ranked.length >= Math.min(LEXICAL_CANDIDATES, 10) || res.ranked.length >= res.matched || want >= 12_800) {
        const plainHits = res.plain.ranked.flatMap((r) => passing.get(r.seq) ?? []).slice(0, PLAIN_CANDIDATES);
        return { ranked: ranked.slice(0, LEXICAL_CANDIDATES), idf: res.idf, plainHits, plainIdf: res.plain.idf };
      }
      want *= 4;
    }
  }

  private async vector(q: string, filters: SearchFilters) {
    const [embedding] = await this.embedder.embed([q], 'query');
    return this.repo.vector(embedding, this.embedder.model, this.embedder.dims, filters, VECTOR_CANDIDATES);
  }

  /** Blend a model reranker's relevance (0–1) with the feature score; on failure keep the feature order. */
  private async modelRerank<T extends { id: string; final: number; model?: number }>(q: string, order: T[], details: Map<string, { text: string }>): Promise<T[]> {
    const head = order.slice(0, 20);
    try {
      const scores = await this.opts.reranker?.score(q, head.map((f) => details.get(f.id)?.text ?? ''));
      if (!scores) return order;
      const top = head[0]?.final || 1;
      const blended = head.map((f, i) => ({ ...f, final: 0.5 * (f.final / top) + 0.5 * (scores[i] ?? 0), model: scores[i] ?? 0 }));
      return [...blended.sort((a, b) => b.final - a.final), ...order.slice(20)];
    } catch {
      return order;
    }
  }
}

const round = (n: number) => Math.round(n * 1000) / 1000;
const roundAll = (f: RerankFeatures): RerankFeatures => Object.fromEntries(Object.entries(f).map(([k, v]) => [k, round(v)])) as unknown as RerankFeatures;

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}
