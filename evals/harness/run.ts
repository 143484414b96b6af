import { fileURLToPath } from 'node:url';
import { AppError, createLogger, loadConfig, loadLanguage } from '../../core/index.ts';
import { createRuntime, loadDemoCorpus, type Runtime } from '../../runtime/index.ts';
import { createEmbedder, type Embedder } from '../../search/index.ts';
import { type CasesEvalResult, evaluateCases, printCases } from '../cases.ts';
import { evaluateExtraction, type Prf } from '../extraction.ts';
import { evaluateQuestions, LLM_QUESTION_CHECKSET, LLM_QUESTION_LABELS, printQuestions, type QuestionsEvalResult } from '../questions.ts';
import { evaluateRetrieval, loadResidentQueries, loadRetrievalQueries, type RetrievalScore } from '../retrieval.ts';
import { evaluateStructure, printStructure, type StructureEvalResult } from '../structure.ts';
import type { TextbookCorpusName } from '../textbook/build.ts';
import { type AnswerRecord, runAnswerCases } from './answer-run.ts';
import { ANSWERS_FILE, type AnswerCase, loadAnswerCases, RESIDENT_FILE, type Split } from './datasets.ts';
import { type EngineChoice, evalEnvironment } from './engine.ts';
import { FaithfulnessJudge } from './faithfulness.ts';
import { type AnswerCaseScore, type AnswerMetrics, type FaithfulnessCase, type FaithfulnessMetrics, scoreAnswers, scoreFaithfulness } from './metrics.ts';
import { comparabilityNotes, compareSummaries, type Delta, printResult, readResult, writeResult } from './report.ts';
import { runTextbookSuite, type TextbookSuiteResult } from './textbook-suite.ts';

/** The proxy names the CLI's `--corpus` accepts (cli/ imports the harness contract only). */
export { parseTextbookCorpusName, type TextbookCorpusName } from '../textbook/build.ts';

export const SUITES = ['retrieval', 'textbook', 'answers', 'faithfulness', 'extraction', 'cases', 'questions', 'structure'] as const;
export type SuiteName = (typeof SUITES)[number];
/** What `all` runs: `extraction` (a model call per gold sentence), `cases`, `questions` and `structure` are asked for by name. */
const ALL: readonly SuiteName[] = ['retrieval', 'textbook', 'answers', 'faithfulness'];

/** `all`, one suite, or several joined by commas (`answers,faithfulness`); unknown names are an error. */
export function parseSuites(arg: string): SuiteName[] {
  const names = arg.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.includes('all')) return [...ALL];
  const bad = names.filter((n) => !(SUITES as readonly string[]).includes(n));
  if (bad.length || !names.length) {
    throw new AppError('VALIDATION_FAILED', `unknown suite "${bad.join(',') || arg}": choose ${SUITES.join(', ')} or all`, { field: 'suite' });
  }
  return SUITES.filter((s) => names.includes(s));
}
export const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));
/** Bump when the meaning of a metric or the layout of the file changes. */
export const RESULT_SCHEMA = 'yingzhi-eval/1';

/** What `evals/results/<suite>-<timestamp>.json` holds. `summary` is flat (`answers.keyFactCoverage`: 0.83) for comparing runs. */
export interface EvalResult {
  schema: typeof RESULT_SCHEMA;
  /** `all`, or the suites run joined by `+`. */
  suite: string;
  suites: SuiteName[];
  startedAt: string;
  durationMs: number;
  engine: EngineChoice & { chatEngine: 'llm' | 'extractive' | null };
  corpus: { database: string; sources: number; chunks: number; approvedRelations: number };
  datasets: { retrieval?: { queries: number; chinese: number }; answers?: { file: string; cases: number }; resident?: { file: string; split: Split; cases: number }; cases?: { file: string; split: string; cases: number } };
  summary: Record<string, number>;
  retrieval?: {
    queries: number;
    chineseQueries: number;
    modes: RetrievalScore[];
    /** The resident set (evals/resident/) as retrieval queries, per split, with per-type scores. */
    resident?: { split: string; queries: number; modes: RetrievalScore[]; byType: Array<{ type: string; n: number; mode: string; recallAt5: number; mrr: number }> };
  };
  textbook?: TextbookSuiteResult;
  answers?: { metrics: AnswerMetrics; cases: AnswerCaseScore[] };
  faithfulness?: { metrics: FaithfulnessMetrics; cases: FaithfulnessCase[] };
  /** The resident set (evals/resident), one split: answers by question type and faithfulness (its retrieval is under `retrieval.resident`). */
  resident?: {
    split: Split;
    answers?: { metrics: AnswerMetrics; cases: AnswerCaseScore[]; byType: Array<{ type: string; cases: number; keyFactCoverage: number; refusalAccuracy: number }> };
    faithfulness?: { metrics: FaithfulnessMetrics; cases: FaithfulnessCase[] };
  };
  extraction?: { engine: string; version: string; sentences: number; strict: Prf; relaxed: Prf }[];
  cases?: CasesEvalResult;
  questions?: QuestionsEvalResult;
  /** The same checks on items a real local model drafted (the `llm` engine), judged by hand. */
  questionsLlm?: QuestionsEvalResult;
  structure?: StructureEvalResult;
  compare?: { file: string; deltas: Delta[]; notes: string[] };
}

export interface EvalOptions {
  /** See parseSuites. */
  suite: string;
  /** Environment to configure the runtime from (default process.env); see evalEnvironment. */
  env?: Record<string, string | undefined>;
  /** Evaluate the configured database as it is, instead of a fresh in-memory one with the demo corpus. */
  currentDb?: boolean;
  answersFile?: string;
  /**
   * Which half of the held-out-capable sets to run (the resident set beside the answers set and as retrieval
   * queries, the textbook proxy questions): `dev` (default) while developing; `heldout` once, at the end of a piece
   * of work; `all`; `none` skips the resident answers.
   */
  split?: Split | 'none';
  /** Only the first n answers cases (a quick run). */
  limit?: number;
  /** An installed local model to evaluate (`--model qwen-1.5b`: YZ_LLM=embedded). */
  model?: string;
  /** `hash` or `e5` (`--embedder`), to compare retrieval. */
  embedder?: string;
  /** Cases suite: another embedder (`--case-embedder e5`) whose case vectors are scored beside the corpus embedder's in the same run. */
  caseEmbedder?: string;
  /** Only the first n gold test sentences in the extraction suite. */
  extractionLimit?: number;
  /** Where the result file goes (default evals/results); null: not written. */
  outDir?: string | null;
  /** Which textbook proxy the textbook suite runs: `textbook` (proxy 1, default) , `textbook2` (proxy 2, written blind) `textbook3` (proxy 3, held out only), `textbook4` (proxy 4, held out only) `textbook5` (proxy 5, held out only) or `textbook6` (proxy 6, held out only). */
  textbookCorpus?: TextbookCorpusName;
  /** Also run the textbook ablation (each search stage switched off in turn). */
  ablation?: boolean;
  /** An earlier result file to compare with. */
  compare?: string;
  print?: boolean;
  /** Progress lines (stderr in the CLI). */
  progress?: (line: string) => void;
}

const CJK = /[\u3400-\u9fff]/;

async function openEvalRuntime(opts: EvalOptions, env: Record<string, string>, progress: (s: string) => void): Promise<{ rt: Runtime; database: string }> {
  const config = loadConfig({ ...env, YZ_LOG_LEVEL: 'silent' });
  if (opts.currentDb) {
    const rt = await createRuntime(config, { log: createLogger('silent') });
    return { rt, database: config.store.name === 'postgres' ? 'configured PostgreSQL (DATABASE_URL)' : `configured embedded PGlite (${config.dataDir})` };
  }
  const rt = await createRuntime(config, { inMemory: true, log: createLogger('silent') });
  try {
    progress('loading the demo corpus into a fresh in-memory database…');
    await loadDemoCorpus(rt);
    await rt.runner.drain();
    await rt.knowledge.projector.catchUp();
  } catch (e) {
    await rt.close();
    throw e;
  }
  return { rt, database: 'fresh in-memory PGlite with the demo corpus' };
}

async function count(rt: Runtime, sql: string): Promise<number> {
  const { rows } = await rt.db.query<{ n: number }>(sql);
  return rows[0]?.n ?? 0;
}

/**
 * Run a suite (or all) and return its result; writes the JSON file unless `outDir: null`, prints the
 * tables unless `print: false`. Answers and faithfulness share one pass over the answers set.
 */
export async function runEval(opts: EvalOptions): Promise<{ result: EvalResult; file: string | null }> {
  const started = Date.now();
  const progress = opts.progress ?? (() => {});
  const { env, engine } = evalEnvironment(opts.env ?? process.env, { currentDb: opts.currentDb, model: opts.model, embedder: opts.embedder });
  const suites = parseSuites(opts.suite);
  const wants = (s: SuiteName) => suites.includes(s);
  const previous = opts.compare ? readResult(opts.compare) : null;
  // The textbook suite ingests its own corpora into data directories of its own: no demo database needed.
  const needsDemo = suites.some((s) => s !== 'textbook' && s !== 'questions' && s !== 'structure');
  const { rt, database } = needsDemo ? await openEvalRuntime(opts, env, progress) : { rt: null, database: suites.includes('textbook') ? 'per-corpus data directories (textbook proxy)' : 'none (authored sentences only)' };
  try {
    const result: EvalResult = {
      schema: RESULT_SCHEMA,
      suite: suites.length === ALL.length && ALL.every((x) => suites.includes(x)) ? 'all' : suites.join('+'),
      suites,
      startedAt: new Date(started).toISOString(),
      durationMs: 0,
      engine: { ...engine, chatEngine: null },
      corpus: {
        database,
        sources: rt ? await count(rt, 'SELECT count(*)::int AS n FROM sources') : 0,
        chunks: rt ? await count(rt, 'SELECT count(*)::int AS n FROM chunks') : 0,
        approvedRelations: rt ? await count(rt, "SELECT count(*)::int AS n FROM kg_relations WHERE status = 'active'") : 0,
      },
      datasets: {},
      summary: {},
    };
    if (wants('retrieval') && rt) {
      const queries = loadRetrievalQueries();
      const chinese = queries.filter((q) => CJK.test(q.query)).length;
      progress(`retrieval: ${queries.length} queries × 3 modes and the bigram-BM25 baseline…`);
      const modes: RetrievalScore[] = [];
      for (const mode of ['baseline', 'bm25', 'vector', 'hybrid'] as const) modes.push(await evaluateRetrieval(rt, queries, mode));
      result.datasets.retrieval = { queries: queries.length, chinese };
      result.retrieval = { queries: queries.length, chineseQueries: chinese, modes };
      const split = opts.split && opts.split !== 'none' ? opts.split : 'dev';
      const resident = loadResidentQueries(split);
      if (resident.length) {
        progress(`retrieval: resident set, ${resident.length} ${split} questions…`);
        const rmodes: RetrievalScore[] = [];
        for (const mode of ['baseline', 'bm25', 'hybrid'] as const) rmodes.push(await evaluateRetrieval(rt, resident, mode));
        const typeOf = new Map(resident.map((q) => [q.id, q.type]));
        const byType = [...new Set(resident.map((q) => q.type))].sort().flatMap((type) =>
          rmodes.map((m) => {
            const rs = m.ranks.filter((r) => typeOf.get(r.id) === type);
            return {
              type, n: rs.length, mode: m.mode,
              recallAt5: rs.filter((r) => r.rank !== null && r.rank <= 5).length / Math.max(1, rs.length),
              mrr: rs.reduce((a, r) => a + (r.rank ? 1 / r.rank : 0), 0) / Math.max(1, rs.length),
            };
          }),
        );
        result.retrieval.resident = { split, queries: resident.length, modes: rmodes, byType };
        for (const m of rmodes) {
          result.summary[`retrieval.resident.${split}.${m.mode}.recallAt5`] = m.recallAt5;
          result.summary[`retrieval.resident.${split}.${m.mode}.mrr`] = m.mrr;
        }
      }
      for (const m of modes) {
        result.summary[`retrieval.${m.mode}.recallAt5`] = m.recallAt5;
        result.summary[`retrieval.${m.mode}.recallAt10`] = m.recallAt10;
        result.summary[`retrieval.${m.mode}.mrr`] = m.mrr;
      }
    }
    if (wants('textbook')) {
      result.textbook = await runTextbookSuite({ split: opts.split && opts.split !== 'none' ? opts.split : 'dev', corpus: opts.textbookCorpus, ablation: opts.ablation, progress });
      for (const set of result.textbook.sets) {
        // Proxy 1 keeps its historical keys (textbook.dev.ordered…) so earlier result files still compare.
        const key = `${result.textbook.corpus}.${result.textbook.split}.${set.corpus === 'textbook order' ? 'ordered' : 'shuffled'}`;
        for (const [who, h] of [['ours', set.ours], ['baseline', set.baseline]] as const) {
          result.summary[`${key}.${who}.hit1`] = h.hit1;
          result.summary[`${key}.${who}.hit5`] = h.hit5;
          result.summary[`${key}.${who}.hit10`] = h.hit10;
          result.summary[`${key}.${who}.mrr`] = h.mrr;
        }
      }
    }
    if ((wants('answers') || wants('faithfulness')) && rt) {
      const file = opts.answersFile ?? ANSWERS_FILE;
      let cases: AnswerCase[] = loadAnswerCases(file);
      if (opts.limit !== undefined) cases = cases.slice(0, opts.limit);
      result.datasets.answers = { file, cases: cases.length };
      const records: AnswerRecord[] = await runAnswerCases(rt.chat, rt.db, cases, {
        onCase: (i, c, r) => progress(`  [${i + 1}/${cases.length}] ${c.id} ${r.error ? `ERROR ${r.error.code}` : r.refused ? 'refused' : 'answered'} (${Math.round(r.latencyMs)} ms)`),
      });
      result.engine.chatEngine = records.find((r) => r.engine)?.engine ?? null;
      if (wants('answers')) {
        result.answers = scoreAnswers(cases, records);
        const m = result.answers.metrics;
        for (const k of ['keyFactCoverage', 'allFactsRate', 'forbiddenRate', 'forbiddenStreamedRate', 'sourceHitRate', 'refusalAccuracy', 'falseRefusals', 'missedRefusals', 'errors', 'latencyP50Ms', 'latencyP95Ms'] as const) {
          result.summary[`answers.${k}`] = m[k];
        }
      }
      if (wants('faithfulness')) {
        result.faithfulness = scoreFaithfulness(cases, records, new FaithfulnessJudge(rt.tokenizer));
        const f = result.faithfulness.metrics;
        for (const part of ['final', 'streamed'] as const) {
          result.summary[`faithfulness.${part}.faithfulShare`] = f[part].faithfulShare;
          result.summary[`faithfulness.${part}.uncitedShare`] = f[part].uncitedShare;
          result.summary[`faithfulness.${part}.supportedWhenCited`] = f[part].supportedWhenCited;
        }
      }
    }
    if (rt && opts.split !== 'none' && !opts.answersFile && (wants('answers') || wants('faithfulness'))) await runResident(rt, result, opts.split ?? 'dev', wants, progress);
    if (wants('extraction') && rt) {
      // The model's triples against the rules engine's on the same held-out gold sentences.
      const llm = rt.knowledge.extractors.llm;
      const engines = [{ name: 'rules', x: rt.knowledge.extractors.rules }, ...(llm ? [{ name: 'llm', x: llm }] : [])];
      result.extraction = [];
      for (const { name, x } of engines) {
        if (!x) continue;
        progress(`extraction: ${name} on the gold test split${opts.extractionLimit ? ` (first ${opts.extractionLimit})` : ''}…`);
        const e = await evaluateExtraction({ split: 'test', extractor: x, print: false, limit: opts.extractionLimit });
        const m = e.splits[0].strict.micro;
        const r = e.splits[0].relaxed.micro;
        result.extraction.push({ engine: name, version: e.extractorVersion, sentences: e.splits[0].sentences, strict: m, relaxed: r });
        result.summary[`extraction.${name}.precision`] = m.precision;
        result.summary[`extraction.${name}.recall`] = m.recall;
        result.summary[`extraction.${name}.f1`] = m.f1;
        result.summary[`extraction.${name}.relaxedF1`] = r.f1;
      }
    }
    if (wants('cases') && rt) {
      const split = opts.split && opts.split !== 'none' ? opts.split : 'dev';
      progress(`cases: differential and similar cases on the ${split} split…`);
      const caseEmbedders: Embedder[] = [];
      if (opts.caseEmbedder) {
        if (!['hash', 'e5'].includes(opts.caseEmbedder)) throw new AppError('VALIDATION_FAILED', `--case-embedder: hash 或 e5 / hash or e5 (got ${opts.caseEmbedder})`, { field: 'caseEmbedder' });
        progress(`cases: starting the ${opts.caseEmbedder} embedder for the case vectors…`);
        caseEmbedders.push(await createEmbedder({ embedder: { ...loadConfig({ ...env, YZ_LOG_LEVEL: 'silent' }).embedder, kind: opts.caseEmbedder as 'hash' | 'e5' } }, rt.tokenizer));
      }
      try {
        // With a model (`--model`, YZ_EVAL_LLM_URL) every case also asks for its comparison narrative; --limit keeps that run short.
        result.cases = await evaluateCases(rt, { split, progress, caseEmbedders, limit: opts.limit, narrate: engine.kind !== 'none' });
      } finally {
        for (const e of caseEmbedders) await (e as Embedder & { close?: () => Promise<void> }).close?.();
      }
      result.datasets.cases = { file: result.cases.file, split, cases: result.cases.cases };
      for (const a of result.cases.differential) {
        result.summary[`cases.${split}.${a.method}.top1`] = a.top1;
        result.summary[`cases.${split}.${a.method}.top3`] = a.top3;
      }
      for (const s of result.cases.similar) result.summary[`cases.${split}.${s.method}.precisionAt5`] = s.precisionAt5;
      const n = result.cases.narratives;
      if (n) {
        result.summary[`cases.${split}.narrative.produced`] = n.produced;
        result.summary[`cases.${split}.narrative.passedWhole`] = n.passedWhole;
        result.summary[`cases.${split}.narrative.dropped`] = n.dropped;
        result.summary[`cases.${split}.narrative.fallbacks`] = n.fallbacks;
        result.summary[`cases.${split}.narrative.msMedian`] = n.msMedian;
      }
      if (opts.print !== false) printCases(result.cases);
    }
    if (wants('questions')) {
      progress('questions: the item checks on the authored check set…');
      result.questions = evaluateQuestions();
      result.summary['questions.rejectedShare'] = result.questions.rejectedShare;
      result.summary['questions.agreement'] = result.questions.agreement;
      result.summary['questions.correctnessAgreement'] = result.questions.correctnessAgreement;
      result.summary['questions.wrongKeysPassed'] = result.questions.wrongKeysPassed.length;
      if (opts.print !== false) printQuestions(result.questions);
      result.questionsLlm = evaluateQuestions(LLM_QUESTION_CHECKSET, LLM_QUESTION_LABELS);
      result.summary['questions.llm.rejectedShare'] = result.questionsLlm.rejectedShare;
      result.summary['questions.llm.agreement'] = result.questionsLlm.agreement;
      result.summary['questions.llm.wrongKeysPassed'] = result.questionsLlm.wrongKeysPassed.length;
      if (opts.print !== false) printQuestions(result.questionsLlm);
    }
    if (wants('structure')) {
      const split = opts.split && opts.split !== 'none' ? opts.split : 'dev';
      const { lexicon, tokenizer } = rt ?? loadLanguage();
      result.structure = evaluateStructure(lexicon, tokenizer, { split });
      for (const m of result.structure.methods) {
        const who = m.method.startsWith('baseline') ? 'baseline' : 'ours';
        for (const f of m.fields) {
          result.summary[`structure.${split}.${who}.${f.field}.precision`] = f.precision;
          result.summary[`structure.${split}.${who}.${f.field}.recall`] = f.recall;
        }
      }
      if (opts.print !== false) printStructure(result.structure);
    }
    result.durationMs = Date.now() - started;
    if (previous && opts.compare) {
      result.compare = { file: opts.compare, deltas: compareSummaries(previous.summary, result.summary), notes: comparabilityNotes(previous, result) };
    }
    const file = opts.outDir === null ? null : writeResult(opts.outDir ?? RESULTS_DIR, result);
    if (opts.print !== false) printResult(result);
    return { result, file };
  } finally {
    await rt?.close();
  }
}

const CHECKS = ['keyFactCoverage', 'allFactsRate', 'forbiddenRate', 'forbiddenStreamedRate', 'sourceHitRate', 'refusalAccuracy', 'falseRefusals', 'missedRefusals', 'errors'] as const;

/** The resident set's suites on one split; summary keys `resident.<split>.…`. */
async function runResident(rt: Runtime, result: EvalResult, split: Split, wants: (s: SuiteName) => boolean, progress: (s: string) => void): Promise<void> {
  const cases = loadAnswerCases(RESIDENT_FILE, split);
  result.datasets.resident = { file: RESIDENT_FILE, split, cases: cases.length };
  result.resident = { split };
  const key = (k: string) => `resident.${split}.${k}`;
  const records = await runAnswerCases(rt.chat, rt.db, cases, {
    onCase: (i, c, r) => progress(`  resident [${i + 1}/${cases.length}] ${c.id} ${r.error ? `ERROR ${r.error.code}` : r.refused ? 'refused' : 'answered'}`),
  });
  if (wants('answers')) {
    const scored = scoreAnswers(cases, records);
    const types = [...new Set(cases.map((c) => c.type ?? 'other'))];
    const byType = types.map((type) => {
      const ids = new Set(cases.filter((c) => (c.type ?? 'other') === type).map((c) => c.id));
      const of = scored.cases.filter((c) => ids.has(c.id));
      const answerable = of.filter((c) => c.coverage !== null);
      return {
        type,
        cases: of.length,
        keyFactCoverage: answerable.length ? answerable.reduce((n, c) => n + (c.coverage ?? 0), 0) / answerable.length : 0,
        refusalAccuracy: of.filter((c) => c.refusalCorrect).length / of.length,
      };
    });
    result.resident.answers = { ...scored, byType };
    for (const k of CHECKS) result.summary[key(`answers.${k}`)] = scored.metrics[k];
  }
  if (wants('faithfulness')) {
    result.resident.faithfulness = scoreFaithfulness(cases, records, new FaithfulnessJudge(rt.tokenizer));
    const f = result.resident.faithfulness.metrics.final;
    result.summary[key('faithfulness.faithfulShare')] = f.faithfulShare;
    result.summary[key('faithfulness.uncitedShare')] = f.uncitedShare;
  }
}
