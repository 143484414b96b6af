import type { RerankFeatures } from './rerank.ts';

/** How the plain bigram-BM25 baseline's best hits are protected (see guardPlainTop); `null` in SearchTuning switches it off. */
export interface PlainGuard {
  /** How many of the baseline's best hits are protected (its hit 1, 2, …). */
  top: number;
  /** How many candidates without stronger evidence may still sit above a protected hit. */
  slack: number;
}

export const DEFAULT_GUARD: PlainGuard = { top: 1, slack: 1 };

/**
 * Positive evidence a passage is the answer, in tiers the rerank can only read from the text: 2 — a sentence that is
 * the question subject's own states a cue of the attribute asked (intent 1), or the innermost heading names the
 * attribute and the subject is there (section); 1 — the passage holds the subject's own sentences (topic) or names
 * the subject beside a cue (intent ½); 0 — neither (only bag-of-terms signals: coverage, proximity, vector, prior).
 */
export function evidenceTier(f: Pick<RerankFeatures, 'intent' | 'topic' | 'section'>): number {
  if (f.intent >= 1 || f.section > 0) return 2;
  if (f.topic > 0 || f.intent > 0) return 1;
  return 0;
}

/**
 * Never let weaker signals bury what the plain baseline ranks first: the baseline's hit j (j ≤ guard.top) may sit below
 * the baseline's earlier protected hits, below candidates whose evidence tier is higher than its own, and below at most
 * `guard.slack` others; the rest of those above it move to just below it. Candidates keep their order otherwise.
 * With no evidence anywhere (a question without subject or cue), the result is the baseline's first hit within the
 * top 1 + slack — a bound, not a hope. Stable and O(candidates × top).
 */
export function guardPlainTop<T extends { id: string; features?: RerankFeatures }>(order: T[], plainRanked: string[], guard: PlainGuard): T[] {
  const out = [...order];
  const tier = (c: T) => (c.features ? evidenceTier(c.features) : 0);
  const protectedIds = new Set<string>();
  for (const id of plainRanked.slice(0, guard.top)) {
    const at = out.findIndex((c) => c.id === id);
    if (at < 0) continue;
    const hit = out[at];
    const keep: T[] = [];
    const demoted: T[] = [];
    let unearned = 0;
    for (const c of out.slice(0, at)) {
      if (protectedIds.has(c.id) || tier(c) > tier(hit)) keep.push(c);
      else if (unearned++ < guard.slack) keep.push(c);
      else demoted.push(c);
    }
    if (demoted.length) out.splice(0, at + 1, ...keep, hit, ...demoted);
    protectedIds.add(id);
  }
  return out;
}
