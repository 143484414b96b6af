/** One resident's final answers to an exam: credit per item (0…1) and the options chosen. */
export interface ScoredAttempt {
  attemptId: string;
  username: string;
  items: { questionId: string; chosen: string[]; credit: number }[];
}

export interface ItemStats {
  questionId: string;
  n: number;
  /** Classical difficulty: share answering fully correctly (null with no responses). */
  p: number | null;
  /** Corrected point-biserial: item score against the rest of the test (null when undefined: n < 3, no variance). */
  discrimination: number | null;
  /** Discrimination below 0.2 (or negative): the item does not separate stronger from weaker residents. */
  flagged: boolean;
  /** How often each option was chosen, overall and in the upper and lower 27 % by total score. */
  options: { label: string; chosen: number; share: number; upper: number; lower: number; key: boolean }[];
}

export const DISCRIMINATION_FLAG = 0.2;

/**
 * Classical test theory item analysis: p-value, corrected point-biserial discrimination (item vs total
 * minus the item, so an item does not correlate with itself), a flag under 0.2, and distractor analysis
 * (choice counts overall and in the upper/lower 27 % groups).
 */
export function analyseItems(attempts: ScoredAttempt[], items: { questionId: string; labels: string[]; key: string[] }[]): ItemStats[] {
  const totals = new Map(attempts.map((a) => [a.attemptId, a.items.reduce((s, i) => s + i.credit, 0)]));
  const ranked = [...attempts].sort((a, b) => (totals.get(b.attemptId) ?? 0) - (totals.get(a.attemptId) ?? 0));
  const g = Math.max(1, Math.round(attempts.length * 0.27));
  const upper = new Set(ranked.slice(0, g).map((a) => a.attemptId));
  const lower = new Set(ranked.slice(-g).map((a) => a.attemptId));
  return items.map((it) => {
    const rows = attempts.map((a) => ({ a, r: a.items.find((x) => x.questionId === it.questionId) })).filter((x) => x.r);
    const n = rows.length;
    const correct = rows.map((x) => (x.r?.credit === 1 ? 1 : 0));
    const p = n ? correct.reduce((s: number, c) => s + c, 0) / n : null;
    const rest = rows.map((x) => (totals.get(x.a.attemptId) ?? 0) - (x.r?.credit ?? 0));
    const discrimination = pointBiserial(correct, rest);
    const count = (label: string, set?: Set<string>) => rows.filter((x) => x.r?.chosen.includes(label) && (!set || set.has(x.a.attemptId))).length;
    return {
      questionId: it.questionId,
      n,
      p: p === null ? null : round(p),
      discrimination: discrimination === null ? null : round(discrimination),
      flagged: discrimination !== null && discrimination < DISCRIMINATION_FLAG,
      options: it.labels.map((label) => ({ label, chosen: count(label), share: n ? round(count(label) / n) : 0, upper: count(label, upper), lower: count(label, lower), key: it.key.includes(label) })),
    };
  });
}

/** Point-biserial correlation of a 0/1 item score with a continuous score; null when undefined. */
export function pointBiserial(item: number[], score: number[]): number | null {
  const n = item.length;
  if (n < 3) return null;
  const ones = score.filter((_, i) => item[i] === 1);
  const zeros = score.filter((_, i) => item[i] === 0);
  if (!ones.length || !zeros.length) return null;
  const mean = score.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(score.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
  if (sd === 0) return null;
  const m1 = ones.reduce((a, b) => a + b, 0) / ones.length;
  const m0 = zeros.reduce((a, b) => a + b, 0) / zeros.length;
  const p = ones.length / n;
  return ((m1 - m0) / sd) * Math.sqrt(p * (1 - p));
}

/** Credit for one item: single choice right or wrong; multiple choice all-or-nothing, or partial (any wrong choice scores 0). */
export function creditFor(type: 'single' | 'multiple', key: string[], chosen: string[], scoring: 'all_or_nothing' | 'partial'): number {
  const k = new Set(key);
  const c = new Set(chosen);
  const exact = k.size === c.size && [...k].every((x) => c.has(x));
  if (type === 'single' || scoring === 'all_or_nothing') return exact ? 1 : 0;
  if ([...c].some((x) => !k.has(x))) return 0;
  return round(c.size / k.size);
}

const round = (x: number) => Math.round(x * 1000) / 1000;
