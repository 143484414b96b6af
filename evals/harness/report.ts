import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { printTable } from '../../bench/table.ts';
import type { EvalResult } from './run.ts';

/** Summary keys where a smaller value is the better one (for the compare arrows). */
const LOWER_IS_BETTER = /(forbidden|Refusals|errors|uncited|latency|overhead)/i;

export interface Delta {
  key: string;
  previous: number | null;
  current: number | null;
  delta: number | null;
  /** `better` / `worse` / `same`, or null when the metric exists in one run only. */
  verdict: 'better' | 'worse' | 'same' | null;
}

/** Metric-by-metric differences between two result files' summaries. */
export function compareSummaries(previous: Record<string, number>, current: Record<string, number>): Delta[] {
  const keys = [...new Set([...Object.keys(current), ...Object.keys(previous)])];
  return keys.map((key) => {
    const p = key in previous ? previous[key] : null;
    const c = key in current ? current[key] : null;
    if (p === null || c === null) return { key, previous: p, current: c, delta: null, verdict: null };
    const delta = c - p;
    const eps = Math.max(1e-9, Math.abs(p) * 1e-6);
    const verdict = Math.abs(delta) <= eps ? 'same' : (delta > 0) !== LOWER_IS_BETTER.test(key) ? 'better' : 'worse';
    return { key, previous: p, current: c, delta, verdict };
  });
}

/** Why two runs may not be comparable: a different engine, model or dataset size. */
export function comparabilityNotes(previous: EvalResult, current: EvalResult): string[] {
  const notes: string[] = [];
  const engine = (r: EvalResult) => (r.engine.kind === 'none' ? 'extractive' : `${r.engine.kind} ${r.engine.model}`);
  if (engine(previous) !== engine(current)) notes.push(`engine differs: ${engine(previous)} → ${engine(current)}`);
  const sizes = (r: EvalResult) => `${r.datasets.answers?.cases ?? '-'} answers cases, ${r.datasets.retrieval?.queries ?? '-'} retrieval queries`;
  if (sizes(previous) !== sizes(current)) notes.push(`datasets differ: ${sizes(previous)} → ${sizes(current)}`);
  return notes;
}

/** A result file written by an earlier run (its `summary` is what gets compared). */
export function readResult(file: string): EvalResult {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as EvalResult;
  if (!parsed || typeof parsed.summary !== 'object') throw new Error(`${file} is not an eval result (no "summary")`);
  return parsed;
}

/** Write `<dir>/<suite>-<timestamp>.json`; returns the path. */
export function writeResult(dir: string, result: EvalResult): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${result.suite}-${result.startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const num = (v: number | null) => (v === null ? '—' : Number.isInteger(v) ? String(v) : v.toFixed(3));

/** The result as plain-text tables on stdout. */
export function printResult(r: EvalResult): void {
  const engine = r.engine.kind === 'none' ? 'extractive (YZ_LLM=none)' : `${r.engine.kind} ${r.engine.model} @ ${r.engine.url} (via ${r.engine.via})`;
  process.stdout.write(`\nyingzhi eval ${r.suite} — engine: ${engine}; corpus: ${r.corpus.database}, ${r.corpus.sources} sources, ${r.corpus.chunks} chunks\n`);
  if (r.retrieval) {
    printTable(
      `Retrieval (${r.retrieval.queries} authored queries, ${r.retrieval.chineseQueries} Chinese; relevant = expected document and page; baseline = bigram BM25 on the same chunks)`,
      ['mode', 'recall@5', 'recall@10', 'MRR@10', 'missed (not in top 10)'],
      r.retrieval.modes.map((m) => [m.mode, m.recallAt5.toFixed(3), m.recallAt10.toFixed(3), m.mrr.toFixed(3), m.misses.length]),
    );
    const res = r.retrieval.resident;
    if (res) {
      printTable(
        `Resident set (evals/resident/, ${res.queries} answerable ${res.split} questions; relevant = expected document and page)`,
        ['mode', 'recall@5', 'recall@10', 'MRR@10', 'missed (not in top 10)'],
        res.modes.map((m) => [m.mode, m.recallAt5.toFixed(3), m.recallAt10.toFixed(3), m.mrr.toFixed(3), m.misses.length]),
      );
      const types = [...new Set(res.byType.map((b) => b.type))];
      printTable(
        'Resident set per question type: recall@5 / MRR@10 (▼: hybrid below the baseline)',
        ['type', 'n', 'baseline', 'bm25', 'hybrid', ''],
        types.map((type) => {
          const of = (mode: string) => res.byType.find((b) => b.type === type && b.mode === mode);
          const cell = (mode: string) => `${of(mode)?.recallAt5.toFixed(2)} / ${of(mode)?.mrr.toFixed(3)}`;
          return [type, of('hybrid')?.n ?? 0, cell('baseline'), cell('bm25'), cell('hybrid'), (of('hybrid')?.mrr ?? 0) < (of('baseline')?.mrr ?? 0) - 1e-9 ? '▼' : ''];
        }),
      );
    }
  }
  if (r.textbook) {
    const t = r.textbook;
    const f = (h: { hit1: number; hit5: number; hit10: number; mrr: number }) => [h.hit1, h.hit5, h.hit10, h.mrr].map((v) => v.toFixed(3));
    printTable(
      `Textbook proxy ${t.corpus === 'textbook' ? '1' : t.corpus === 'textbook2' ? '2 (written blind)' : `${t.corpus.slice('textbook'.length)} (held out only)`} (${t.questions} ${t.split} questions 「疾病的属性」 over ${t.sentences.toLocaleString('en-US')} authored sentences ingested as one TXT through the CLI; hit = a top-k chunk holds a gold sentence)`,
      ['corpus', 'chunks', 'ranker', 'hit@1', 'hit@5', 'hit@10', 'MRR@10'],
      t.sets.flatMap((s) => [
        [s.corpus, s.chunks, 'ours (hybrid)', ...f(s.ours)],
        [s.corpus, s.chunks, 'bigram BM25 baseline', ...f(s.baseline)],
      ]),
    );
    for (const s of t.sets) {
      printTable(
        `Per question type (${s.corpus}): ours / baseline; ▼ marks a type where ours is below the baseline`,
        ['type', 'n', 'hit@1', 'hit@5', 'hit@10', 'MRR@10', ''],
        s.byType.map((b) => [
          b.type, b.ours.n,
          `${b.ours.hit1.toFixed(2)} / ${b.baseline.hit1.toFixed(2)}`, `${b.ours.hit5.toFixed(2)} / ${b.baseline.hit5.toFixed(2)}`,
          `${b.ours.hit10.toFixed(2)} / ${b.baseline.hit10.toFixed(2)}`, `${b.ours.mrr.toFixed(3)} / ${b.baseline.mrr.toFixed(3)}`,
          b.ours.mrr < b.baseline.mrr - 1e-9 ? '▼' : '',
        ]),
      );
    }
    if (t.ablation) {
      printTable('Ablation (ours, each stage switched off in turn)', ['variant', 'corpus', 'hit@1', 'hit@5', 'hit@10', 'MRR@10'], t.ablation.map((a) => [a.variant, a.corpus, ...f(a.ours)]));
    }
  }
  if (r.extraction?.length) {
    printTable(
      `Extraction (gold test split, ${r.extraction[0].sentences} sentences, micro-averaged; strict = certainty must match)`,
      ['engine', 'version', 'P', 'R', 'F1', 'relaxed F1'],
      r.extraction.map((e) => [e.engine, e.version, pct(e.strict.precision), pct(e.strict.recall), pct(e.strict.f1), pct(e.relaxed.f1)]),
    );
  }
  if (r.answers) printAnswers(`Answers (${r.answers.metrics.cases} questions: ${r.answers.metrics.answerable} answerable, ${r.answers.metrics.offTopic} off-topic)`, r.answers);
  if (r.faithfulness) printFaithfulness(r.faithfulness.metrics);
  if (r.resident) printResident(r.resident);
  if (r.compare) {
    printTable(
      `Compared with ${r.compare.file}`,
      ['metric', 'previous', 'current', 'Δ', ''],
      r.compare.deltas.map((d) => [d.key, num(d.previous), num(d.current), d.delta === null ? '—' : `${d.delta > 0 ? '+' : ''}${num(d.delta)}`, d.verdict === 'better' ? '▲ better' : d.verdict === 'worse' ? '▼ worse' : (d.verdict ?? 'new/gone')]),
    );
    for (const note of r.compare.notes) process.stdout.write(`note: ${note}\n`);
  }
}

function printAnswers(title: string, a: NonNullable<EvalResult['answers']>): void {
  const m = a.metrics;
  printTable(title, ['metric', 'value', 'meaning'], [
    ['key-fact coverage', pct(m.keyFactCoverage), 'mean share of mustInclude facts stated'],
    ['all facts stated', pct(m.allFactsRate), 'answerable questions with every key fact'],
    ['forbidden-fact rate', pct(m.forbiddenRate), 'checked answers stating a mustNotInclude fact (lower is better)'],
    ['forbidden (as streamed)', pct(m.forbiddenStreamedRate), 'the same, before the citation check'],
    ['source hit rate', pct(m.sourceHitRate), 'answers citing an expected source'],
    ['refusal accuracy', pct(m.refusalAccuracy), `refused exactly the off-topic questions (${m.falseRefusals} false, ${m.missedRefusals} missed)`],
    ['errors', m.errors, 'turns that failed'],
    ['latency p50 / p95', `${m.latencyP50Ms.toFixed(0)} / ${m.latencyP95Ms.toFixed(0)} ms`, `overhead p50 ${m.overheadP50Ms.toFixed(0)} ms`],
  ]);
  const failing = a.cases.filter((c) => c.error || !c.refusalCorrect || c.factsMissing.length || c.forbidden.length || c.sourceHit === false);
  if (failing.length) {
    printTable(
      'Questions not fully right',
      ['id', 'coverage', 'missing facts', 'forbidden', 'source', 'refusal'],
      failing.map((c) => [
        c.id, c.coverage === null ? '—' : pct(c.coverage), c.factsMissing.join(', ').slice(0, 40), c.forbidden.join(', '),
        c.sourceHit === null ? '—' : c.sourceHit ? 'ok' : 'miss', c.error ? 'ERROR' : c.refusalCorrect ? 'ok' : c.refused ? 'refused' : 'answered',
      ]),
    );
  }
}

function printFaithfulness(f: NonNullable<EvalResult['faithfulness']>['metrics']): void {
  printTable(
    `Citation faithfulness (${f.answers} answers; a sentence is faithful when its cited evidence holds its numbers and key terms)`,
    ['answer', 'sentences', 'cited', 'faithful', 'faithful share', 'uncited share', 'supported when cited'],
    (['final', 'streamed'] as const).map((k) => [
      k === 'final' ? 'checked (done.answer)' : 'as streamed', f[k].sentences, f[k].cited, f[k].faithful, pct(f[k].faithfulShare), pct(f[k].uncitedShare), pct(f[k].supportedWhenCited),
    ]),
  );
}

function printResident(res: NonNullable<EvalResult['resident']>): void {
  const name = `Resident set, ${res.split} split`;
  if (res.answers) {
    printAnswers(`${name}: answers (${res.answers.metrics.cases} questions: ${res.answers.metrics.answerable} answerable, ${res.answers.metrics.offTopic} to refuse)`, res.answers);
    printTable(`${name}: answers by question type`, ['type', 'n', 'key-fact coverage', 'refusal accuracy'], res.answers.byType.map((t) => [t.type, t.cases, pct(t.keyFactCoverage), pct(t.refusalAccuracy)]));
  }
  if (res.faithfulness) printFaithfulness(res.faithfulness.metrics);
}
