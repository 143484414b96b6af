import { detectLanguage, ENTITY_PREFIX, type Tokenizer } from '../../core/index.ts';
import type { SearchPassage } from '../tools/hybrid-search.tool.ts';
import type { ToolRegistry, ToolRun } from '../tools/registry.ts';
import type { ToolContext, ToolEvidence } from '../tools/tool.ts';

/** Passages asked of the search (the prompt keeps what fits num_ctx). */
export const TOP_PASSAGES = 6;
/** The extractive engine reads more (it judges each passage itself and quotes only what answers). */
export const EXTRACTIVE_PASSAGES = 10;
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
  /** Relevant passages, then the graph facts: what the model is given. */
  evidence: ToolEvidence[];
  /** Query terms (each with its synonyms, and its lexeme) and their weights, for picking sentences in the extractive answer. */
  terms: { surfaces: string[]; weight: number; lexeme?: string }[];
  /** Every passage the search returned, in rank order (the extractive engine judges relevance itself). */
  passages: Array<Extract<ToolEvidence, { kind: 'chunk' }>>;
  /** Graph facts of the entities the question names, and those entities with their types. */
  facts: Array<Extract<ToolEvidence, { kind: 'relation' }>>;
  entities: Array<{ id: string; type: string }>;
}

/**
 * Retrieval before the answer: hybrid search over passages, and approved graph relations of the lexicon
 * entities the query names. Runs through the tool registry, so the UI shows it as tool calls.
 */
export async function retrieve(
  query: string,
  tools: ToolRegistry,
  tokenizer: Tokenizer,
  ctx: ToolContext,
  onRun: (r: ToolRun) => void,
  top = TOP_PASSAGES,
): Promise<Retrieval> {
  const queryLang = detectLanguage(query);
  const run = async (name: string, input: unknown) => {
    const r = await tools.run(name, input, ctx);
    onRun(r);
    return r;
  };
  const entities = uniqueEntitySurfaces(query, tokenizer).slice(0, GRAPH_ENTITIES);
  // Passages and graph facts are independent: fetched concurrently (a Postgres server runs them in parallel).
  const [search, ...lookups] = await Promise.all([
    run('hybrid_search', { query: searchable(query), top }),
    ...entities.map((surface) => run('graph_lookup', { entity: surface, limit: GRAPH_FACTS })),
  ]);
  const data = search.result.data as { passages: SearchPassage[]; terms: { lexeme?: string; surface: string; expandsTo: string[]; weight: number }[] } | undefined;
  const isRelevant = (p: SearchPassage) => p.lexical && (p.language === queryLang ? p.coverage >= MIN_COVERAGE : p.entities);
  const relevant = new Set((data?.passages ?? []).filter(isRelevant).map((p) => p.chunkId));
  const passages = (search.result.evidence ?? []).filter((e) => e.kind === 'chunk' && e.chunkId !== null && relevant.has(e.chunkId));

  const facts = lookups.flatMap((r) => r.result.evidence ?? []);
  const names = entities.map((s) => s.toLowerCase());
  const mentioned = (e: ToolEvidence) => (e.kind === 'relation' ? [e.triple.subject, e.triple.object].filter((x) => names.some((n) => x.toLowerCase().includes(n) || query.includes(x))).length : 0);
  const ranked = dedupe(facts).sort((a, b) => mentioned(b) - mentioned(a)).slice(0, GRAPH_FACTS);
  const terms = foldTerms((data?.terms ?? []).filter((t) => t.weight > 0).map((t) => ({ surfaces: [t.surface, ...t.expandsTo], weight: t.weight, lexeme: t.lexeme })));
  const all = (search.result.evidence ?? []).filter((e): e is Extract<ToolEvidence, { kind: 'chunk' }> => e.kind === 'chunk');
  const found = lookups.map((r) => (r.result.data as { entity?: { id: string; type: string } | null } | undefined)?.entity).filter((e): e is { id: string; type: string } => !!e);
  return {
    evidence: [...passages, ...ranked],
    terms,
    passages: all,
    facts: ranked.filter((e): e is Extract<ToolEvidence, { kind: 'relation' }> => e.kind === 'relation'),
    entities: found.map((e) => ({ id: e.id, type: e.type })),
  };
}

/**
 * One concept, one term. The search adds an entity's lexeme beside the words that name it (「急性脑梗死」 is
 * `#dis.cerebral_infarction` and the word 急性脑梗死; 「CT」 is `#mod.ct` and `ct`; 「non-small cell lung cancer」 the
 * entity and non, small, cell, lung, cancer), which is right for matching text but counts the concept twice or
 * more when weighing what share of the question a passage or a heading names: the other words of the question
 * (早期, 征象) then weigh too little. A word that is a name of an entity the query holds (or, in Latin script, a
 * whole word of one) is folded into that entity.
 */
export function foldTerms<T extends { surfaces: string[]; lexeme?: string }>(terms: T[]): T[] {
  const norm = (s: string) => s.normalize('NFKC').toLowerCase().trim();
  const names = new Set(terms.filter((t) => t.lexeme?.startsWith(ENTITY_PREFIX)).flatMap((t) => t.surfaces.map(norm)));
  const latinWords = new Set([...names].filter((n) => /\s|-/.test(n) && /^[a-z0-9\s-]+$/.test(n)).flatMap((n) => n.split(/[\s-]+/)));
  return terms.filter((t) => {
    if (t.lexeme?.startsWith(ENTITY_PREFIX)) return true;
    const s = norm(t.surfaces[0] ?? '');
    return !names.has(s) && !(/^[a-z0-9]+$/.test(s) && latinWords.has(s) && !/\d/.test(s));
  });
}

/**
 * A long question searched by its beginning and its end (where the actual question usually is); a TNM
 * string written as one word (T2bN0M0) searched as its parts (T2b N0 M0), the way the documents write them.
 */
export function searchable(query: string): string {
  const q = query.replace(/([TNM](?:[0-4][a-c]?|is|x|mi))(?=[TNM](?:[0-4]|is|x))/gi, '$1 ');
  return q.length <= SEARCH_CHARS ? q : `${q.slice(0, SEARCH_CHARS / 2)} ${q.slice(-SEARCH_CHARS / 2)}`;
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
