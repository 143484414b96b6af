import { percentile } from '../../bench/table.ts';
import type { AnswerRecord, SourceName } from './answer-run.ts';
import type { AnswerCase } from './datasets.ts';
import { countSentences, type FaithfulnessCounts, type FaithfulnessJudge, type SentenceJudgement } from './faithfulness.ts';
import { factLabel, hasFact } from './facts.ts';

/** One question of the answers suite, scored. */
export interface AnswerCaseScore {
  id: string;
  question: string;
  expectRefusal: boolean;
  /** The checked answer as scored. */
  answer: string;
  refused: boolean;
  refusalCorrect: boolean;
  /** Share of mustInclude facts stated (null for off-topic questions). */
  coverage: number | null;
  factsMissing: string[];
  /** Forbidden facts in the checked answer, and in the answer as streamed. */
  forbidden: string[];
  forbiddenStreamed: string[];
  /** Whether a cited source is one of expectedSources (null for off-topic questions). */
  sourceHit: boolean | null;
  citedSources: string[];
  latencyMs: number;
  overheadMs: number;
  error: string | null;
}

export interface AnswerMetrics {
  cases: number;
  answerable: number;
  offTopic: number;
  /** Mean share of key facts stated, over answerable questions. */
  keyFactCoverage: number;
  /** Share of answerable questions stating every key fact. */
  allFactsRate: number;
  /** Share of answerable questions whose checked answer states a forbidden fact. */
  forbiddenRate: number;
  /** The same on the answer as streamed to the user before the citation check. */
  forbiddenStreamedRate: number;
  /** Share of answerable questions citing at least one expected source. */
  sourceHitRate: number;
  /** Share of all questions refused exactly when they should be. */
  refusalAccuracy: number;
  /** Answerable questions refused. */
  falseRefusals: number;
  /** Off-topic questions answered. */
  missedRefusals: number;
  errors: number;
  latencyP50Ms: number;
  latencyP95Ms: number;
  overheadP50Ms: number;
}

/** Whether a cited source is the expected one: by demo file stem, exact title, or a title containing it. */
export function sourceMatches(s: SourceName, expected: string): boolean {
  return s.stem === expected || s.title === expected || (expected.length >= 4 && s.title.includes(expected));
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const share = (n: number, d: number) => (d ? n / d : 0);

/** Score answer records against their cases (matched by id). */
export function scoreAnswers(cases: AnswerCase[], records: AnswerRecord[]): { metrics: AnswerMetrics; cases: AnswerCaseScore[] } {
  const byId = new Map(records.map((r) => [r.id, r]));
  const scored: AnswerCaseScore[] = cases.map((c) => {
    const r = byId.get(c.id);
    if (!r) throw new Error(`no answer record for case ${c.id}`);
    const answerable = !c.expectRefusal;
    const missing = answerable ? c.mustInclude.filter((f) => !hasFact(r.answer, f)) : [];
    return {
      id: c.id,
      question: c.question,
      expectRefusal: c.expectRefusal,
      answer: r.answer,
      refused: r.refused,
      refusalCorrect: r.error === null && r.refused === c.expectRefusal,
      coverage: answerable ? share(c.mustInclude.length - missing.length, c.mustInclude.length) : null,
      factsMissing: missing.map(factLabel),
      forbidden: answerable ? c.mustNotInclude.filter((f) => hasFact(r.answer, f)).map(factLabel) : [],
      forbiddenStreamed: answerable ? c.mustNotInclude.filter((f) => hasFact(r.raw, f)).map(factLabel) : [],
      sourceHit: answerable ? r.citedSources.some((s) => c.expectedSources.some((e) => sourceMatches(s, e))) : null,
      citedSources: r.citedSources.map((s) => s.stem || s.title),
      latencyMs: r.latencyMs,
      overheadMs: r.overheadMs,
      error: r.error ? `${r.error.code}: ${r.error.message}` : null,
    };
  });
  const answerable = scored.filter((s) => !s.expectRefusal);
  const withForbidden = answerable.filter((s) => (cases.find((c) => c.id === s.id)?.mustNotInclude.length ?? 0) > 0);
  const ok = records.filter((r) => !r.error);
  const metrics: AnswerMetrics = {
    cases: scored.length,
    answerable: answerable.length,
    offTopic: scored.length - answerable.length,
    keyFactCoverage: mean(answerable.map((s) => s.coverage ?? 0)),
    allFactsRate: share(answerable.filter((s) => s.factsMissing.length === 0).length, answerable.length),
    forbiddenRate: share(withForbidden.filter((s) => s.forbidden.length > 0).length, withForbidden.length),
    forbiddenStreamedRate: share(withForbidden.filter((s) => s.forbiddenStreamed.length > 0).length, withForbidden.length),
    sourceHitRate: share(answerable.filter((s) => s.sourceHit).length, answerable.length),
    refusalAccuracy: share(scored.filter((s) => s.refusalCorrect).length, scored.length),
    falseRefusals: answerable.filter((s) => s.refused).length,
    missedRefusals: scored.filter((s) => s.expectRefusal && !s.refused).length,
    errors: records.filter((r) => r.error).length,
    latencyP50Ms: ok.length ? percentile(ok.map((r) => r.latencyMs), 50) : 0,
    latencyP95Ms: ok.length ? percentile(ok.map((r) => r.latencyMs), 95) : 0,
    overheadP50Ms: ok.length ? percentile(ok.map((r) => r.overheadMs), 50) : 0,
  };
  return { metrics, cases: scored };
}

export interface FaithfulnessRates extends FaithfulnessCounts {
  /** Faithful sentences / sentences stating a checkable fact. */
  faithfulShare: number;
  /** Sentences citing no known evidence / sentences stating a checkable fact. */
  uncitedShare: number;
  /** Faithful sentences / cited sentences: how often a citation actually supports its sentence. */
  supportedWhenCited: number;
}

export interface FaithfulnessMetrics {
  answers: number;
  /** The checked answer (`done.answer`). */
  final: FaithfulnessRates;
  /** The answer as streamed, before the citation check. */
  streamed: FaithfulnessRates;
}

export interface FaithfulnessCase {
  id: string;
  final: SentenceJudgement[];
  streamed: SentenceJudgement[];
}

function rates(c: FaithfulnessCounts): FaithfulnessRates {
  return { ...c, faithfulShare: share(c.faithful, c.sentences), uncitedShare: share(c.sentences - c.cited, c.sentences), supportedWhenCited: share(c.faithful, c.cited) };
}

function sum(cs: FaithfulnessCounts[]): FaithfulnessCounts {
  return cs.reduce((a, b) => ({ sentences: a.sentences + b.sentences, cited: a.cited + b.cited, faithful: a.faithful + b.faithful }), { sentences: 0, cited: 0, faithful: 0 });
}

/** Judge the answers that were given (not refused, no error) of answerable cases, sentence by sentence. */
export function scoreFaithfulness(cases: AnswerCase[], records: AnswerRecord[], judge: FaithfulnessJudge): { metrics: FaithfulnessMetrics; cases: FaithfulnessCase[] } {
  const answerable = new Set(cases.filter((c) => !c.expectRefusal).map((c) => c.id));
  const judged: FaithfulnessCase[] = records
    .filter((r) => answerable.has(r.id) && !r.refused && !r.error)
    .map((r) => {
      const lookup = (n: number) => r.evidenceText[n];
      return { id: r.id, final: judge.judge(r.answer, lookup), streamed: judge.judge(r.raw, lookup) };
    });
  return {
    metrics: {
      answers: judged.length,
      final: rates(sum(judged.map((j) => countSentences(j.final)))),
      streamed: rates(sum(judged.map((j) => countSentences(j.streamed)))),
    },
    cases: judged,
  };
}
