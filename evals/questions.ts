import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { checkItem, type Fact, FactGraph, QuestionDraftSchema } from '../teaching/index.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const QUESTION_CHECKSET = path.join(ROOT, 'evals/questions/checkset.json');
export const QUESTION_LABELS = path.join(ROOT, 'evals/questions/labels.json');
/** Items a real local model drafted with the `llm` engine (scripts/make-llm-question-checkset.ts), judged by hand. */
export const LLM_QUESTION_CHECKSET = path.join(ROOT, 'evals/questions/checkset-llm.json');
export const LLM_QUESTION_LABELS = path.join(ROOT, 'evals/questions/labels-llm.json');

export const JUDGEMENTS = ['valid', 'flawed_key', 'true_distractor', 'trivial'] as const;
type Judgement = (typeof JUDGEMENTS)[number];

const CheckSetSchema = z.object({
  authored: z.literal(true),
  engine: z.string(),
  graph: z.array(z.custom<Fact>((v) => typeof v === 'object' && v !== null && 'predicate' in v)),
  items: z.array(z.object({ id: z.string(), item: QuestionDraftSchema })),
  /** Model items the engine itself refused while reading them (answer not among the options, invalid item). */
  refused: z.array(z.object({ id: z.string(), raw: z.unknown(), rejection: z.object({ code: z.string() }) })).default([]),
});
const LabelsSchema = z.object({
  authored: z.literal(true),
  labels: z.record(z.string(), z.object({ label: z.enum(JUDGEMENTS), note: z.string().optional() })),
});

export interface QuestionCheckRow {
  id: string;
  template: string;
  label: Judgement;
  /** The first check that rejected the item, or null when it passed. */
  rejectedBy: string | null;
}

export interface QuestionsEvalResult {
  file: string;
  items: number;
  engine: string;
  rejectedShare: number;
  /** Checks agree with the judge: valid items pass, every other label is rejected. */
  agreement: number;
  /** The same, counting a trivial item as acceptable (the checks test correctness, not difficulty). */
  correctnessAgreement: number;
  /** Per judgement: how many items, how many the checks rejected. */
  byLabel: Array<{ label: Judgement; n: number; rejected: number }>;
  /** Items judged to have a wrong key that nevertheless passed the checks (must be empty). */
  wrongKeysPassed: string[];
  rows: QuestionCheckRow[];
}

/**
 * `npm run eval -- questions`: the automatic item checks on the authored check set — items the template engine
 * drafted once on the demo corpus, judged by hand (valid / flawed key / true distractor / trivial) — re-run on the
 * graph they were drafted from; reports agreement with the judgement and the share rejected.
 */
export function evaluateQuestions(file = QUESTION_CHECKSET, labelsFile = QUESTION_LABELS): QuestionsEvalResult {
  const set = CheckSetSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  const { labels } = LabelsSchema.parse(JSON.parse(readFileSync(labelsFile, 'utf8')));
  const graph = new FactGraph(set.graph);
  const labelOf = (id: string) => {
    const label = labels[id]?.label;
    if (!label) throw new Error(`${labelsFile}: no label for ${id}`);
    return label;
  };
  const rows: QuestionCheckRow[] = [
    ...set.items.map(({ id, item }) => ({ id, template: item.template, label: labelOf(id), rejectedBy: checkItem(item, graph)?.code ?? null })),
    ...set.refused.map(({ id, rejection }) => ({ id, template: 'llm', label: labelOf(id), rejectedBy: rejection.code })),
  ].sort((a, b) => a.id.localeCompare(b.id));
  const n = rows.length;
  const agree = rows.filter((r) => (r.label === 'valid') === (r.rejectedBy === null)).length;
  const acceptable = (l: Judgement) => l === 'valid' || l === 'trivial';
  const agreeCorrect = rows.filter((r) => acceptable(r.label) === (r.rejectedBy === null)).length;
  return {
    file: path.relative(ROOT, file),
    items: n,
    engine: set.engine,
    rejectedShare: rows.filter((r) => r.rejectedBy).length / n,
    agreement: agree / n,
    correctnessAgreement: agreeCorrect / n,
    byLabel: JUDGEMENTS.map((label) => ({ label, n: rows.filter((r) => r.label === label).length, rejected: rows.filter((r) => r.label === label && r.rejectedBy).length })),
    wrongKeysPassed: rows.filter((r) => r.label === 'flawed_key' && !r.rejectedBy).map((r) => r.id),
    rows,
  };
}

export function printQuestions(r: QuestionsEvalResult): void {
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  const lines = [
    `\nQuestion checks on the authored check set (${r.file}, ${r.items} items, ${r.engine}, judged by hand)`,
    '| judgement | items | rejected by checks | passed |',
    '|---|---|---|---|',
    ...r.byLabel.map((b) => `| ${b.label} | ${b.n} | ${b.rejected} | ${b.n - b.rejected} |`),
    `share rejected: ${pct(r.rejectedShare)} · agreement (valid ⇔ passes): ${pct(r.agreement)} · agreement counting trivial as acceptable: ${pct(r.correctnessAgreement)}`,
    `wrong keys that passed: ${r.wrongKeysPassed.length ? r.wrongKeysPassed.join(', ') : 'none'}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
