/** Precision, recall and F1 of one count of gold, predicted and correct items. */
export interface Prf {
  gold: number;
  predicted: number;
  correct: number;
  precision: number;
  recall: number;
  f1: number;
}

export function prf(c: { gold: number; predicted: number; correct: number }): Prf {
  const precision = c.predicted ? c.correct / c.predicted : 0;
  const recall = c.gold ? c.correct / c.gold : 0;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  return { gold: c.gold, predicted: c.predicted, correct: c.correct, precision, recall, f1 };
}
