import type { StructuredFinding } from './case.schemas.ts';

/** What the index needs of a case. */
export interface IndexedCase {
  id: string;
  modality: string;
  bodyPart: string;
  findings: readonly StructuredFinding[];
  /** Search lexemes of the findings text (the search tokenizer's words and entity lexemes). */
  terms: readonly string[];
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
}

/** Weights of the two halves of the score; the text half alone is the baseline in evals/cases. */
export const MIX = { findings: 0.65, text: 0.35 } as const;
const BM25 = { k1: 1.2, b: 0.75 } as const;

type Weight = (entityId: string) => number | undefined;

/**
 * In-memory similar-case index: an inverted index over finding entities and text lexemes, so a query
 * scores only the cases sharing something with it. Findings overlap is a weighted Jaccard over
 * (entity, certainty) with each finding weighted by its graph specificity (`weight`; cases' own IDF
 * when the graph does not know the finding); text is BM25. Every score is explained.
 */
export class CaseIndex {
  private readonly cases: IndexedCase[] = [];
  private readonly byEntity = new Map<string, number[]>();
  private readonly postings = new Map<string, Array<[number, number]>>();
  private readonly lengths: number[] = [];
  private avgLength = 0;

  constructor(cases: Iterable<IndexedCase>, private readonly weight: Weight = () => undefined) {
    let total = 0;
    for (const c of cases) {
      const i = this.cases.push(c) - 1;
      for (const f of c.findings) if (f.entityId) push(this.byEntity, f.entityId, i);
      const tf = new Map<string, number>();
      for (const t of c.terms) tf.set(t, (tf.get(t) ?? 0) + 1);
      for (const [t, n] of tf) {
        let list = this.postings.get(t);
        if (!list) this.postings.set(t, (list = []));
        list.push([i, n]);
      }
      this.lengths.push(c.terms.length);
      total += c.terms.length;
    }
    this.avgLength = this.cases.length ? total / this.cases.length : 0;
  }

  idAt(i: number): string {
    return this.cases[i].id;
  }

  get size(): number {
    return this.cases.length;
  }

  /** Specificity of a finding: the graph's when it knows the finding, else IDF over the indexed cases. */
  findingWeight(entityId: string): number {
    return this.weight(entityId) ?? Math.log(1 + this.cases.length / (1 + (this.byEntity.get(entityId)?.length ?? 0)));
  }

  /** BM25 of each case sharing a query term (the text half alone: also the evaluation baseline). */
  bm25(terms: readonly string[], allowed?: (i: number) => boolean): Map<number, { score: number; terms: Set<string> }> {
    const out = new Map<number, { score: number; terms: Set<string> }>();
    const N = this.cases.length;
    for (const t of new Set(terms)) {
      const list = this.postings.get(t);
      if (!list) continue;
      const idf = Math.log(1 + (N - list.length + 0.5) / (list.length + 0.5));
      for (const [i, tf] of list) {
        if (allowed && !allowed(i)) continue;
        const norm = tf + BM25.k1 * (1 - BM25.b + (BM25.b * this.lengths[i]) / (this.avgLength || 1));
        const hit = out.get(i) ?? { score: 0, terms: new Set<string>() };
        hit.score += (idf * tf * (BM25.k1 + 1)) / norm;
        hit.terms.add(t);
        out.set(i, hit);
      }
    }
    return out;
  }

  search(q: SimilarQuery): SimilarHit[] {
    const allowed = (i: number) => {
      const c = this.cases[i];
      return (!q.modality || c.modality === q.modality) && (!q.bodyPart || c.bodyPart === q.bodyPart);
    };
    const text = this.bm25(q.terms, allowed);
    const best = Math.max(0, ...[...text.values()].map((h) => h.score));
    const candidates = new Set<number>(text.keys());
    const queryFindings = new Map<string, StructuredFinding>();
    for (const f of q.findings) if (f.entityId) queryFindings.set(f.entityId, f);
    for (const id of queryFindings.keys()) for (const i of this.byEntity.get(id) ?? []) if (allowed(i)) candidates.add(i);
    const hits: SimilarHit[] = [];
    for (const i of candidates) {
      const c = this.cases[i];
      const explained = this.explain(queryFindings, c);
      const t = text.get(i);
      const textScore = best > 0 && t ? t.score / best : 0;
      const score = MIX.findings * explained.findingScore + MIX.text * textScore;
      if (score <= 0) continue;
      hits.push({ caseId: c.id, score: round(score), textScore: round(textScore), matchedTerms: t ? [...t.terms].slice(0, 20) : [], ...explained });
    }
    hits.sort((a, b) => b.score - a.score || a.caseId.localeCompare(b.caseId));
    return hits.slice(0, q.top);
  }

  private explain(query: ReadonlyMap<string, StructuredFinding>, c: IndexedCase): Omit<SimilarHit, 'caseId' | 'score' | 'textScore' | 'matchedTerms'> {
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
    for (const s of shared) s.contribution = round(union ? (MIX.findings * s.contribution) / union : 0);
    shared.sort((a, b) => b.contribution - a.contribution);
    return { findingScore: round(findingScore), shared, onlyQuery, onlyCase, conflicting };
  }
}

/** Present and possible agree partly; absent agrees only with absent. */
const same = (a: string, b: string) => (a === 'absent') === (b === 'absent');

function push(map: Map<string, number[]>, key: string, i: number) {
  const list = map.get(key);
  if (!list) map.set(key, [i]);
  else if (list.at(-1) !== i) list.push(i);
}

const round = (x: number) => Math.round(x * 1000) / 1000;
