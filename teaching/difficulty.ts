import type { Level } from './question.schemas.ts';

/** What makes an item harder, known before anyone answers it. */
export interface DifficultyFeatures {
  /** Share of distractors drawn from the subject's neighbours (differentials, siblings, shared anatomy). */
  nearShare: number;
  /** Mean text similarity (0–1) between the key and the distractors. */
  keySimilarity: number;
  /** Reasoning steps: 1 for a direct fact, 2 when the item runs a fact backwards or combines several. */
  hops: number;
  /** 1 when the fact rests on a single passage, lower the more sources state it (common knowledge is easier). */
  rarity: number;
  multiple: boolean;
  negative: boolean;
}

/**
 * Initial difficulty estimate (0 easy … 1 hard) from item features; replaced by the observed p-value once
 * residents have answered (see item-analysis.ts). Weights are a stated prior, not fitted.
 */
export function estimateDifficulty(f: DifficultyFeatures): { difficulty: number; level: Level } {
  const raw = 0.15 + 0.3 * f.nearShare + 0.15 * f.keySimilarity + 0.1 * (Math.min(f.hops, 3) - 1) + 0.15 * f.rarity + (f.multiple ? 0.12 : 0) + (f.negative ? 0.06 : 0);
  const difficulty = Math.round(Math.min(0.95, Math.max(0.05, raw)) * 100) / 100;
  return { difficulty, level: levelOf(difficulty) };
}

export function levelOf(difficulty: number): Level {
  return difficulty < 0.4 ? 'easy' : difficulty < 0.6 ? 'medium' : 'hard';
}
