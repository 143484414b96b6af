import { fileURLToPath } from 'node:url';
import { AppError, createLogger, loadConfig } from '../../core/index.ts';
import { createRuntime, loadDemoCorpus, type Runtime } from '../../runtime/index.ts';
import { evaluateRetrieval, loadRetrievalQueries, type RetrievalScore } from '../retrieval.ts';
import { type AnswerRecord, runAnswerCases } from './answer-run.ts';
import { ANSWERS_FILE, type AnswerCase, loadAnswerCases, RESIDENT_FILE, type Split } from './datasets.ts';
import { type EngineChoice, evalEnvironment } from './engine.ts';
import { FaithfulnessJudge } from './faithfulness.ts';
import { type AnswerCaseScore, type AnswerMetrics, type FaithfulnessCase, type FaithfulnessMetrics, scoreAnswers, scoreFaithfulness } from './metrics.ts';
import { comparabilityNotes, compareSummaries, type Delta, printResult, readResult, writeResult } from './report.ts';
import { evaluateResidentRetrieval, type ResidentRetrieval } from './resident-retrieval.ts';

export const SUITES = ['retrieval', 'answers', 'faithfulness'] as const;
export type SuiteName = (typeof SUITES)[number];

/** `all`, one suite, or several joined by commas (`answers,faithfulness`); unknown names are an error. */
export function parseSuites(arg: string): SuiteName[] {
  const names = arg.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.includes('all')) return [...SUITES];
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
  datasets: { retrieval?: { queries: number; chinese: number }; answers?: { file: string; cases: number }; resident?: { file: string; split: Split; cases: number } };
  summary: Record<string, number>;
  retrieval?: { queries: number; chineseQueries: number; modes: RetrievalScore[] };
  answers?: { metrics: AnswerMetrics; cases: AnswerCaseScore[] };
  faithfulness?: { metrics: FaithfulnessMetrics; cases: FaithfulnessCase[] };
  /** The resident set (evals/resident), one split: answers by question type, faithfulness, retrieval beside bigram BM25. */
  resident?: {
    split: Split;
    answers?: { metrics: AnswerMetrics; cases: AnswerCaseScore[]; byType: Array<{ type: string; cases: number; keyFactCoverage: number; refusalAccuracy: number }> };
    faithfulness?: { metrics: FaithfulnessMetrics; cases: FaithfulnessCase[] };
    retrieval?: ResidentRetrieval;
  };
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
   * Which half of the resident set to run beside the answers set: `dev` (default) while developing;
   * `heldout` once, at the end of a piece of work; `all`; `none` to skip it.
   */
  split?: Split | 'none';
  /** Only the first n answers cases (a quick run). */
  limit?: number;
  /** Where the result file goes (default evals/results); null: not written. */
  outDir?: string | null;
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
    return { rt, database: config.databaseUrl ? 'configured PostgreSQL (DATABASE_URL)' : `configured embedded PGlite (${config.dataDir})` };
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
  const { env, engine } = evalEnvironment(opts.env ?? process.env, { currentDb: opts.currentDb });
  const suites = parseSuites(opts.suite);
  const wants = (s: SuiteName) => suites.includes(s);
  const previous = opts.compare ? readResult(opts.compare) : null;
  const { rt, database } = await openEvalRuntime(opts, env, progress);
  try {
    const result: EvalResult = {
      schema: RESULT_SCHEMA,
      suite: suites.length === SUITES.length ? 'all' : suites.join('+'),
      suites,
      startedAt: new Date(started).toISOString(),
      durationMs: 0,
      engine: { ...engine, chatEngine: null },
      corpus: {
        database,
        sources: await count(rt, 'SELECT count(*)::int AS n FROM sources'),
        chunks: await count(rt, 'SELECT count(*)::int AS n FROM chunks'),
        approvedRelations: await count(rt, "SELECT count(*)::int AS n FROM kg_relations WHERE status = 'active'"),
      },
      datasets: {},
      summary: {},
    };
    if (wants('retrieval')) {
      const queries = loadRetrievalQueries();
      const chinese = queries.filter((q) => CJK.test(q.query)).length;
      progress(`retrieval: ${queries.length} queries × 3 modes…`);
      const modes: RetrievalScore[] = [];
      for (const mode of ['bm25', 'vector', 'hybrid'] as const) modes.push(await evaluateRetrieval(rt, queries, mode));
      result.datasets.retrieval = { queries: queries.length, chinese };
      result.retrieval = { queries: queries.length, chineseQueries: chinese, modes };
      for (const m of modes) {
        result.summary[`retrieval.${m.mode}.recallAt5`] = m.recallAt5;
        result.summary[`retrieval.${m.mode}.recallAt10`] = m.recallAt10;
        result.summary[`retrieval.${m.mode}.mrr`] = m.mrr;
      }
    }
    if (wants('answers') || wants('faithfulness')) {
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
    const split = opts.split ?? 'dev';
    if (split !== 'none' && !opts.answersFile) await runResident(rt, result, split, wants, progress);
    result.durationMs = Date.now() - started;
    if (previous && opts.compare) {
      result.compare = { file: opts.compare, deltas: compareSummaries(previous.summary, result.summary), notes: comparabilityNotes(previous, result) };
    }
    const file = opts.outDir === null ? null : writeResult(opts.outDir ?? RESULTS_DIR, result);
    if (opts.print !== false) printResult(result);
    return { result, file };
  } finally {
    await rt.close();
  }
}

const CHECKS = ['keyFactCoverage', 'allFactsRate', 'forbiddenRate', 'forbiddenStreamedRate', 'sourceHitRate', 'refusalAccuracy', 'falseRefusals', 'missedRefusals', 'errors'] as const;

/** The resident set's suites on one split; summary keys `resident.<split>.…`. */
async function runResident(rt: Runtime, result: EvalResult, split: Split, wants: (s: SuiteName) => boolean, progress: (s: string) => void): Promise<void> {
  const cases = loadAnswerCases(RESIDENT_FILE, split);
  result.datasets.resident = { file: RESIDENT_FILE, split, cases: cases.length };
  result.resident = { split };
  const key = (k: string) => `resident.${split}.${k}`;
  if (wants('retrieval')) {
    progress(`resident ${split}: retrieval, ours beside bigram BM25…`);
    const r = await evaluateResidentRetrieval(rt, cases);
    result.resident.retrieval = r;
    for (const [name, s] of [['ours', r.ours], ['bigram', r.bigram]] as const) {
      result.summary[key(`retrieval.${name}.recallAt5`)] = s.recallAt5;
      result.summary[key(`retrieval.${name}.mrr`)] = s.mrr;
    }
  }
  if (!wants('answers') && !wants('faithfulness')) return;
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
