import { detectLanguage, ENTITY_PREFIX, type Tokenizer } from '../../core/index.ts';
import type { SearchPassage } from '../tools/hybrid-search.tool.ts';
import type { ToolRegistry, ToolRun } from '../tools/registry.ts';
import type { ToolContext, ToolEvidence } from '../tools/tool.ts';

/** Passages asked of the search (the prompt keeps what fits num_ctx). */
export const TOP_PASSAGES = 6;
/**
 * A passage counts as relevant when BM25 ranked it (it contains query words, not only a nearby vector)
 * and it contains at least half of the query's terms by weight (synonyms counted; entities weigh 2,
 * single characters 0.25: see termWeight). Lower, an off-topic question sharing one common word with a
 * guideline ("红烧肉怎么做" and "加做平扫") gets an answer; higher, two-topic questions lose passages that
 * answer one half. Across languages (an English question, a Chinese guideline) only the lexicon's
 * entities connect the two, so there the passage must contain every entity the question names. A
 * question with no relevant passage and no graph fact is refused.
 */
export const MIN_COVERAGE = 0.5;
const GRAPH_ENTITIES = 2;
/** Longest text sent to the search (hybrid_search accepts 500 characters). */
const SEARCH_CHARS = 400;
const GRAPH_FACTS = 6;

export interface Retrieval {
  evidence: ToolEvidence[];
  /** Query terms (each with its synonyms) and their weights, for picking sentences in the extractive answer. */
  terms: { surfaces: string[]; weight: number }[];
}

/**
 * Retrieval before the answer: hybrid search over passages, and approved graph relations of the lexicon
 * entities the query names. Runs through the tool registry, so the UI shows it as tool calls.
 */
export async function retrieve(query: string, tools: ToolRegistry, tokenizer: Tokenizer, ctx: ToolContext, onRun: (r: ToolRun) => void): Promise<Retrieval> {
  const queryLang = detectLanguage(query);
  const run = async (name: string, input: unknown) => {
    const r = await tools.run(name, input, ctx);
    onRun(r);
    return r;
  };
  const entities = uniqueEntitySurfaces(query, tokenizer).slice(0, GRAPH_ENTITIES);
  // Passages and graph facts are independent: fetched concurrently (a Postgres server runs them in parallel).
  const [search, ...lookups] = await Promise.all([
    run('hybrid_search', { query: searchable(query), top: TOP_PASSAGES }),
    ...entities.map((surface) => run('graph_lookup', { entity: surface, limit: GRAPH_FACTS })),
  ]);
  const data = search.result.data as { passages: SearchPassage[]; terms: { surface: string; expandsTo: string[]; weight: number }[] } | undefined;
  const isRelevant = (p: SearchPassage) => p.lexical && (p.language === queryLang ? p.coverage >= MIN_COVERAGE : p.entities);
  const relevant = new Set((data?.passages ?? []).filter(isRelevant).map((p) => p.chunkId));
  const passages = (search.result.evidence ?? []).filter((e) => e.kind === 'chunk' && e.chunkId !== null && relevant.has(e.chunkId));

  const facts = lookups.flatMap((r) => r.result.evidence ?? []);
  const names = entities.map((s) => s.toLowerCase());
  const mentioned = (e: ToolEvidence) => (e.kind === 'relation' ? [e.triple.subject, e.triple.object].filter((x) => names.some((n) => x.toLowerCase().includes(n) || query.includes(x))).length : 0);
  const ranked = dedupe(facts).sort((a, b) => mentioned(b) - mentioned(a)).slice(0, GRAPH_FACTS);
  const terms = (data?.terms ?? []).filter((t) => t.weight > 0).map((t) => ({ surfaces: [t.surface, ...t.expandsTo], weight: t.weight }));
  return { evidence: [...passages, ...ranked], terms };
}

/** A long question searched by its beginning and its end (where the actual question usually is). */
function searchable(query: string): string {
  return query.length <= SEARCH_CHARS ? query : `${query.slice(0, SEARCH_CHARS / 2)} ${query.slice(-SEARCH_CHARS / 2)}`;
}

function uniqueEntitySurfaces(query: string, tokenizer: Tokenizer): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const t of tokenizer.queryTokens(query)) {
    if (!t.lexeme.startsWith(ENTITY_PREFIX) || seen.has(t.lexeme)) continue;
    seen.add(t.lexeme);
    out.push(t.surface);
  }
  return out;
}

function dedupe(items: ToolEvidence[]): ToolEvidence[] {
  const seen = new Set<string>();
  return items.filter((e) => {
    const k = e.kind === 'relation' ? e.relationId : `${e.chunkId}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
