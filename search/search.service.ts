import { AppError, ENTITY_PREFIX, type Tokenizer } from '../core/index.ts';
import { formatCitation } from './citation.ts';
import type { Embedder } from './embedders/embedder.ts';
import { highlightRanges } from './highlight.ts';
import { type SearchFilters, SearchRepository } from './search.repository.ts';
import { MAX_QUERY_CHARS, type SearchHit, type SearchRequest, SearchRequestSchema, type SearchResponse } from './search.schemas.ts';
import type { Database } from '../store/index.ts';

/** Reciprocal rank fusion constant (Cormack et al.): dampens the head of each list. */
const RRF_K = 60;
/** Ranked candidates taken from each retriever into the fusion: fused results come from the top of both lists. */
const CANDIDATES = 30;
const MAX_TERMS = 32;
/** Terms in more than this share of chunks are scored but not used to find candidates. */
const COMMON_TERM_SHARE = 0.25;

/**
 * Hybrid retrieval: BM25-style over jieba/lexicon lexemes + vector similarity, fused with RRF.
 * Every hit carries its citation (title, version/year, page range) and highlight ranges.
 */
export class SearchService {
  private readonly repo: SearchRepository;

  constructor(
    db: Database,
    private readonly tokenizer: Tokenizer,
    private readonly embedder: Embedder,
  ) {
    this.repo = new SearchRepository(db);
  }

  async search(input: SearchRequest): Promise<SearchResponse> {
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
    const filters: SearchFilters = {
      kinds: req.kind,
      yearFrom: req.yearFrom,
      yearTo: req.yearTo,
      language: req.language,
      includeSuperseded: req.includeSuperseded,
    };
    const tokens = uniqueBy(this.tokenizer.queryTokens(q), (t) => t.lexeme).slice(0, MAX_TERMS);
    const terms = tokens.map((t) => ({
      lexeme: t.lexeme,
      surface: t.surface,
      expandsTo: t.lexeme.startsWith(ENTITY_PREFIX) ? this.tokenizer.lexicon.surfaces(t.lexeme.slice(1)) : [],
    }));
    const empty = { query: q, terms, mode: req.mode, embeddingModel: this.embedder.model, results: [] };
    if (tokens.length === 0) return { ...empty, tookMs: performance.now() - started };

    const [bm25, vector] = await Promise.all([
      req.mode === 'vector' ? Promise.resolve([]) : this.bm25(tokens.map((t) => t.lexeme), filters),
      req.mode === 'bm25' ? Promise.resolve([]) : this.vector(q, filters),
    ]);
    // No query word occurs anywhere in the corpus: a lexical embedder's neighbours would be noise, so say "nothing found".
    const noLexicalSupport = req.mode === 'hybrid' && bm25.length === 0 && this.embedder.lexical;
    const fused = noLexicalSupport ? [] : fuse(bm25.map((r) => r.id), vector.map((r) => r.id)).slice(0, req.top);
    const details = new Map((await this.repo.chunkDetails(fused.map((f) => f.id))).map((d) => [d.id, d]));
    const surfaces = terms.flatMap((t) => [t.surface, ...t.expandsTo]);
    const results: SearchHit[] = [];
    for (const f of fused) {
      const d = details.get(f.id);
      if (!d) continue;
      results.push({
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
        score: f.score,
        bm25Rank: f.ranks[0],
        vectorRank: f.ranks[1],
        citation: formatCitation({ title: d.title, version: d.version, year: d.year, pageStart: d.page_start, pageEnd: d.page_end, retracted: d.retracted_at !== null }),
      });
    }
    return { ...empty, results, tookMs: Math.round((performance.now() - started) * 10) / 10 };
  }

  private async bm25(lexemes: string[], filters: SearchFilters) {
    const { n, df } = await this.repo.termDf(lexemes);
    if (n === 0) return [];
    const terms = lexemes
      .filter((l) => (df.get(l) ?? 0) > 0)
      .map((l) => {
        const d = df.get(l) ?? 0;
        return { lexeme: l, df: d, idf: Math.log(1 + (n - d + 0.5) / (d + 0.5)) };
      });
    if (terms.length === 0) return [];
    const selective = terms.filter((t) => t.df / n <= COMMON_TERM_SHARE);
    const anyOf = (selective.length ? selective : [...terms].sort((a, b) => a.df - b.df).slice(0, 1)).map((t) => t.lexeme);
    return this.repo.bm25(terms, { allOf: terms.map((t) => t.lexeme), anyOf }, filters, CANDIDATES);
  }

  private async vector(q: string, filters: SearchFilters) {
    const [embedding] = await this.embedder.embed([q], 'query');
    return this.repo.vector(embedding, this.embedder.model, this.embedder.dims, filters, CANDIDATES);
  }
}

/** Reciprocal rank fusion of ranked id lists; keeps each list's 1-based rank for display. */
export function fuse(...lists: string[][]): Array<{ id: string; score: number; ranks: Array<number | null> }> {
  const byId = new Map<string, { id: string; score: number; ranks: Array<number | null> }>();
  lists.forEach((list, li) => {
    list.forEach((id, i) => {
      const entry = byId.get(id) ?? { id, score: 0, ranks: lists.map(() => null) };
      entry.score += 1 / (RRF_K + i + 1);
      entry.ranks[li] = i + 1;
      byId.set(id, entry);
    });
  });
  return [...byId.values()].sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
}

function uniqueBy<T>(items: T[], key: (t: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((t) => {
    const k = key(t);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
