import { TopK, topK } from '../core/index.ts';
import type { StructuredFinding } from './case.schemas.ts';

/** What the index needs of a case. */
export interface IndexedCase {
  id: string;
  modality: string;
  bodyPart: string;
  findings: readonly StructuredFinding[];
  /** Search lexemes of the findings text (the search tokenizer's words and entity lexemes). */
  terms: readonly string[];
  /** The findings text's embedding (L2-normalised, the search embedder's space), when the index has an embedder. */
  vector?: Float32Array;
}

export interface SharedFinding {
  entityId: string;
  finding: string;
  certainty: string;
  weight: number;
  contribution: number;
}

export interface SimilarHit {
  caseId: string;
  score: number;
  /** Weighted overlap of structured findings (0–1) and its share of the score. */
  findingScore: number;
  /** BM25 over the findings text, scaled by the best hit's (0–1). */
  textScore: number;
  /** Cosine similarity of the findings texts' embeddings (clipped at 0), or null when the index has no vectors. */
  vectorScore: number | null;
  /** What each half adds to `score` (weight × component): the score is their sum. */
  parts: { findings: number; text: number; vector: number };
  shared: SharedFinding[];
  /** Stated in the query only / in the case only / with opposite certainty. */
  onlyQuery: string[];
  onlyCase: string[];
  conflicting: Array<{ finding: string; query: string; case: string }>;
  matchedTerms: string[];
}

export interface SimilarQuery {
  findings: readonly StructuredFinding[];
  terms: readonly string[];
  modality?: string;
  bodyPart?: string;
  top: number;
  /** The query text's embedding (same space as the cases'); without it the vector part is 0. */
  vector?: Float32Array;
  /** Weights of the parts; default MIX, or MIX_WITH_VECTORS when both query and index have vectors. */
  mix?: Mix;
}

export interface Mix { findings: number; text: number; vector: number }
/** Weights without vectors; the text part alone is the baseline in evals/cases. */
export const MIX: Mix = { findings: 0.65, text: 0.35, vector: 0 };
/**
 * Weights with vectors, chosen on the dev split of evals/cases (`npm run eval -- cases --vector-weights …`), then
 * run once on the held-out split: the vector part takes its share from the text part, which it overlaps most.
 */
export const MIX_WITH_VECTORS: Mix = { findings: 0.65, text: 0.1, vector: 0.25 };
const BM25 = { k1: 1.2, b: 0.75 } as const;
/** How many nearest cases by cosine join the candidates beyond those sharing a finding or term. */
const VECTOR_CANDIDATES = 100;

type Weight = (entityId: string) => number | undefined;

/**
 * In-memory similar-case index: an inverted index over finding entities and text lexemes, so a query
 * scores only the cases sharing something with it. Findings overlap is a weighted Jaccard over
 * (entity, certainty) with each finding weighted by its graph specificity (`weight`; cases' own IDF
 * when the graph does not know the finding); text is BM25; with vectors (the search embedder's, one per case)
 * the cosine of the findings texts is a third part, scanned over every allowed case (a dense dot product: no
 * approximate index is needed at 50,000 cases). Every score is explained part by part.
 */
export class CaseIndex {
  private readonly cases: IndexedCase[] = [];
  /** entity → [case index, certainty is absent, certainty] */
  private readonly byEntity = new Map<string, Array<[number, boolean, string]>>();
  /** Per case: its findings' total weight (the case side of the weighted Jaccard's union). */
  private readonly caseWeight: number[] = [];
  private readonly postings = new Map<string, Array<[number, number]>>();
  private readonly lengths: number[] = [];
  private avgLength = 0;
  /**
   * Case vectors dimension by dimension (column-major: dims × cases in one array), or null without vectors. A query
   * adds one contiguous column per non-zero query dimension, so a sparse query (the hash embedder's: about a quarter
   * of its dimensions) reads a quarter of the matrix, and a dense one (e5) runs a simple a·x + y loop per dimension.
   */
  private vectors: Float32Array | null = null;
  private dims = 0;

  constructor(cases: Iterable<IndexedCase>, private readonly weight: Weight = () => undefined) {
    let total = 0;
    for (const c of cases) {
      const i = this.cases.push(c) - 1;
      for (const f of c.findings) if (f.entityId) push(this.byEntity, f.entityId, i, f.certainty);
      const tf = new Map<string, number>();
      for (const t of c.terms) tf.set(t, (tf.get(t) ?? 0) + 1);
      for (const [t, n] of tf) {
        let list = this.postings.get(t);
        if (!list) {
          list = [];
          this.postings.set(t, list);
        }
        list.push([i, n]);
      }
      this.lengths.push(c.terms.length);
      total += c.terms.length;
    }
    this.avgLength = this.cases.length ? total / this.cases.length : 0;
    const dims = this.cases[0]?.vector?.length ?? 0;
    if (dims && this.cases.every((c) => c.vector?.length === dims)) {
      this.dims = dims;
      const n = this.cases.length;
      this.vectors = new Float32Array(n * dims);
      for (const [i, c] of this.cases.entries()) {
        const v = c.vector as Float32Array;
        for (let k = 0; k < dims; k++) this.vectors[k * n + i] = v[k];
      }
    }
    // Weights need the finished entity index (the cases' own IDF), so they are summed in a second pass.
    for (const c of this.cases) {
      const seen = new Set<string>();
      let w = 0;
      for (const f of c.findings) if (f.entityId && !seen.has(f.entityId)) {
        seen.add(f.entityId);
        w += this.findingWeight(f.entityId);
      }
      this.caseWeight.push(w);
    }
  }

  idAt(i: number): string {
    return this.cases[i].id;
  }

  get size(): number {
    return this.cases.length;
  }

  /** Whether every case has a vector (the vector part can score). */
  get hasVectors(): boolean {
    return this.vectors !== null;
  }

  /** Cosine of the query vector with every allowed case's (vectors are normalised: a dot product), clipped at 0. */
  private cosines(v: Float32Array, allowed: ((i: number) => boolean) | null): Float64Array | null {
    const m = this.vectors;
    if (!m || v.length !== this.dims) return null;
    const n = this.cases.length;
    const out = new Float64Array(n);
    for (let k = 0; k < this.dims; k++) {
      const w = v[k];
      if (w === 0) continue;
      const col = m.subarray(k * n, (k + 1) * n);
      for (let i = 0; i < n; i++) out[i] += col[i] * w;
    }
    for (let i = 0; i < n; i++) if (out[i] < 0 || (allowed && !allowed(i))) out[i] = 0;
    return out;
  }

  /** Specificity of a finding: the graph's when it knows the finding, else IDF over the indexed cases. */
  findingWeight(entityId: string): number {
    return this.weight(entityId) ?? Math.log(1 + this.cases.length / (1 + (this.byEntity.get(entityId)?.length ?? 0)));
  }

  /** BM25 of each case sharing a query term (the text half alone: also the evaluation baseline). */
  bm25(terms: readonly string[], allowed?: (i: number) => boolean): Map<number, number> {
    const { scores, touched } = this.bm25Dense(terms, allowed);
    return new Map(touched.map((i) => [i, scores[i]]));
  }

  /** BM25 into a dense array (no per-case objects: a query can touch tens of thousands of cases). */
  private bm25Dense(terms: readonly string[], allowed?: (i: number) => boolean): { scores: Float64Array; touched: number[] } {
    const N = this.cases.length;
    const scores = new Float64Array(N);
    const touched: number[] = [];
    for (const t of new Set(terms)) {
      const list = this.postings.get(t);
      // A term in more than half the cases has almost no BM25 weight (idf → 0) and would make every case a candidate.
      if (!list || (N > 1000 && list.length > N / 2)) continue;
      const idf = Math.log(1 + (N - list.length + 0.5) / (list.length + 0.5));
      for (const [i, tf] of list) {
        if (allowed && !allowed(i)) continue;
        const norm = tf + BM25.k1 * (1 - BM25.b + (BM25.b * this.lengths[i]) / (this.avgLength || 1));
        if (scores[i] === 0) touched.push(i);
        scores[i] += (idf * tf * (BM25.k1 + 1)) / norm;
      }
    }
    return { scores, touched };
  }

  search(q: SimilarQuery): SimilarHit[] {
    const allowed = (i: number) => {
      const c = this.cases[i];
      return (!q.modality || c.modality === q.modality) && (!q.bodyPart || c.bodyPart === q.bodyPart);
    };
    const text = this.bm25Dense(q.terms, allowed);
    let best = 0;
    for (const i of text.touched) if (text.scores[i] > best) best = text.scores[i];
    const queryFindings = new Map<string, StructuredFinding>();
    for (const f of q.findings) if (f.entityId) queryFindings.set(f.entityId, f);
    // Phase 1, over the inverted index only (dense scratch arrays, no per-candidate objects): each candidate's
    // weighted overlap (same certainty 1, present/possible ½) and the weight of the entities it shares whatever
    // their certainty (the union counts those once).
    const n = this.cases.length;
    const overlap = new Float64Array(n);
    const shared = new Float64Array(n);
    const touched: number[] = [...text.touched];
    const seen = new Uint8Array(n);
    for (const i of touched) seen[i] = 1;
    const cos = q.vector ? this.cosines(q.vector, q.modality || q.bodyPart ? allowed : null) : null;
    const mix = q.mix ?? (cos ? MIX_WITH_VECTORS : MIX);
    if (cos && mix.vector > 0) {
      // Vector recall: the nearest cases by cosine join the candidates (every candidate's score has its vector part);
      // bounded, so a 50,000-case library does not make every case a candidate.
      for (const i of nearest(cos, seen, Math.max(VECTOR_CANDIDATES, q.top * 10))) {
        seen[i] = 1;
        touched.push(i);
      }
    }
    let queryWeight = 0;
    for (const [id, f] of queryFindings) {
      const w = this.findingWeight(id);
      queryWeight += w;
      const absent = f.certainty === 'absent';
      for (const [i, caseAbsent, certainty] of this.byEntity.get(id) ?? []) {
        if (!seen[i]) {
          if (!allowed(i)) continue;
          seen[i] = 1;
          touched.push(i);
        }
        shared[i] += w;
        if (absent === caseAbsent) overlap[i] += w * (certainty === f.certainty ? 1 : 0.5);
      }
    }
    const scored: Array<[number, number]> = [];
    for (const i of touched) {
      const union = queryWeight + this.caseWeight[i] - shared[i];
      const findingScore = union > 0 ? overlap[i] / union : 0;
      const score = mix.findings * findingScore + mix.text * (best > 0 ? text.scores[i] / best : 0) + (cos ? mix.vector * cos[i] : 0);
      if (score > 0) scored.push([i, score]);
    }
    // Phase 2: explain the top hits only.
    const queryTerms = new Set(q.terms);
    return topK(scored, q.top, (a, b) => a[1] > b[1] || (a[1] === b[1] && this.cases[a[0]].id.localeCompare(this.cases[b[0]].id) < 0)).map(([i, score]) => {
      const c = this.cases[i];
      const matchedTerms = [...new Set(c.terms.filter((t) => queryTerms.has(t)))].slice(0, 20);
      const textScore = best > 0 ? text.scores[i] / best : 0;
      const vectorScore = cos ? cos[i] : null;
      const explained = this.explain(queryFindings, c, mix);
      const parts = { findings: round(mix.findings * explained.findingScore), text: round(mix.text * textScore), vector: round(cos ? mix.vector * cos[i] : 0) };
      return { caseId: c.id, score: round(score), textScore: round(textScore), vectorScore: vectorScore === null ? null : round(vectorScore), parts, matchedTerms, ...explained };
    });
  }

  private explain(query: ReadonlyMap<string, StructuredFinding>, c: IndexedCase, mix: Mix): Omit<SimilarHit, 'caseId' | 'score' | 'textScore' | 'vectorScore' | 'parts' | 'matchedTerms'> {
    const caseFindings = new Map<string, StructuredFinding>();
    for (const f of c.findings) if (f.entityId) caseFindings.set(f.entityId, f);
    let union = 0;
    let overlap = 0;
    const shared: SharedFinding[] = [];
    const conflicting: SimilarHit['conflicting'] = [];
    const onlyQuery: string[] = [];
    for (const [id, f] of query) {
      const w = this.findingWeight(id);
      union += w;
      const other = caseFindings.get(id);
      if (!other) onlyQuery.push(f.finding);
      else if (same(f.certainty, other.certainty)) {
        const partial = f.certainty === other.certainty ? 1 : 0.5;
        overlap += w * partial;
        shared.push({ entityId: id, finding: f.finding, certainty: other.certainty, weight: round(w), contribution: w * partial });
      } else conflicting.push({ finding: f.finding, query: f.certainty, case: other.certainty });
    }
    const onlyCase: string[] = [];
    for (const [id, f] of caseFindings) {
      if (query.has(id)) continue;
      union += this.findingWeight(id);
      onlyCase.push(f.finding);
    }
    const findingScore = union ? overlap / union : 0;
    for (const s of shared) s.contribution = round(union ? (mix.findings * s.contribution) / union : 0);
    shared.sort((a, b) => b.contribution - a.contribution);
    return { findingScore: round(findingScore), shared, onlyQuery, onlyCase, conflicting };
  }
}

/**
 * The k cases with the highest cosine (> 0) not yet candidates, by core's bounded min-heap: one comparison for most
 * of a 50,000-case library. Ties go to the lower index, as a full sort by (cosine desc, index asc) would.
 */
function nearest(cos: Float64Array, seen: Uint8Array, k: number): number[] {
  const top = new TopK<number>(k, (a, b) => cos[a] > cos[b] || (cos[a] === cos[b] && a < b));
  for (let i = 0; i < cos.length; i++) if (!seen[i] && cos[i] > 0) top.push(i);
  return top.sorted();
}

/** Present and possible agree partly; absent agrees only with absent. */
const same = (a: string, b: string) => (a === 'absent') === (b === 'absent');

function push(map: Map<string, Array<[number, boolean, string]>>, key: string, i: number, certainty: string) {
  const list = map.get(key);
  if (!list) map.set(key, [[i, certainty === 'absent', certainty]]);
  else if (list.at(-1)?.[0] !== i) list.push([i, certainty === 'absent', certainty]);
}

const round = (x: number) => Math.round(x * 1000) / 1000;
