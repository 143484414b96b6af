import { readFileSync } from 'node:fs';
import type { SearchRequest, SearchTuning } from '../../search/index.ts';
import { DEFAULT_RERANK } from '../../search/index.ts';
import { goldRank, type HitScore, loadTextbookQuestions, runTextbookCorpus, scoreRanks, shuffledCorpus, summariseRun, type TextbookSetScore } from '../textbook.ts';
import { type TextbookCorpusName, textbookCorpus } from '../textbook/build.ts';

export type TextbookSplit = 'dev' | 'heldout' | 'all';

/** One ablation variant: a search mode and tuning, scored on both corpus orders. */
export interface AblationRow {
  variant: string;
  corpus: string;
  ours: HitScore;
}

export interface TextbookSuiteResult {
  /** Which authored proxy: `textbook` (proxy 1) , `textbook2` (proxy 2, written blind) `textbook3` (proxy 3, held out only), `textbook4` (proxy 4, held out only) `textbook5` (proxy 5, held out only) or `textbook6` (proxy 6, held out only). */
  corpus: TextbookCorpusName;
  /** Sentences (= lines) of its TXT. */
  sentences: number;
  split: TextbookSplit;
  questions: number;
  sets: TextbookSetScore[];
  ablation?: AblationRow[];
}

/** Stages switched off one at a time (and the first stage alone), to measure what each contributes. */
const VARIANTS: Array<{ variant: string; search: Partial<SearchRequest>; tuning?: SearchTuning }> = [
  { variant: 'BM25 only (bigrams + words + entities)', search: { mode: 'bm25' } },
  { variant: 'hybrid, no rerank', search: { mode: 'hybrid' }, tuning: { rerank: null } },
  { variant: 'hybrid, RRF instead of score fusion', search: { mode: 'hybrid' }, tuning: { fusion: { lexical: 1, vector: 1 }, rerank: null } },
  { variant: 'full − best sentence', search: { mode: 'hybrid' }, tuning: { rerank: { ...DEFAULT_RERANK, sentence: 0 } } },
  { variant: 'full − subject+attribute cue', search: { mode: 'hybrid' }, tuning: { rerank: { ...DEFAULT_RERANK, intent: 0 } } },
  { variant: 'full − topic (carried subject / heading / title names the subject)', search: { mode: 'hybrid' }, tuning: { rerank: { ...DEFAULT_RERANK, topic: 0 } } },
  { variant: 'full − coverage', search: { mode: 'hybrid' }, tuning: { rerank: { ...DEFAULT_RERANK, coverage: 0 } } },
  { variant: 'full − proximity', search: { mode: 'hybrid' }, tuning: { rerank: { ...DEFAULT_RERANK, proximity: 0 } } },
  { variant: 'full − heading', search: { mode: 'hybrid' }, tuning: { rerank: { ...DEFAULT_RERANK, heading: 0 } } },
  { variant: 'full − section names the attribute', search: { mode: 'hybrid' }, tuning: { rerank: { ...DEFAULT_RERANK, section: 0 } } },
  { variant: 'full − evidence/recency prior', search: { mode: 'hybrid' }, tuning: { rerank: { ...DEFAULT_RERANK, prior: 0 } } },
  { variant: 'full − guard of the bigram-BM25 first hit', search: { mode: 'hybrid' }, tuning: { guard: null } },
  { variant: 'full (default)', search: { mode: 'hybrid' } },
];

/**
 * A textbook proxy (evals/textbook/ by default, evals/textbook2/ with `corpus: 'textbook2'`): the TXT ingested
 * through the CLI in textbook order and shuffled, ours beside the bigram-BM25 baseline on the same chunks, per
 * question type; optionally the ablation.
 */
export async function runTextbookSuite(opts: { split: TextbookSplit; corpus?: TextbookCorpusName; ablation?: boolean; progress?: (s: string) => void }): Promise<TextbookSuiteResult> {
  const proxy = textbookCorpus(opts.corpus);
  const questions = loadTextbookQuestions(proxy.questionsFile).filter((q) => opts.split === 'all' || q.split === opts.split);
  const sentences = readFileSync(proxy.corpusFile, 'utf8').split('\n').filter((l) => l.trim()).length;
  const corpora = [
    { name: 'textbook order', file: proxy.corpusFile },
    { name: 'shuffled lines', file: shuffledCorpus(7, proxy.corpusFile) },
  ];
  const sets: TextbookSetScore[] = [];
  const ablation: AblationRow[] = [];
  for (const c of corpora) {
    opts.progress?.(`${proxy.name} (${c.name}): ingesting through the CLI, ${questions.length} ${opts.split} questions…`);
    const run = await runTextbookCorpus(c.file, questions, {
      keep: opts.ablation
        ? async (rt) => {
            for (const v of VARIANTS) {
              const ranks = [];
              for (const q of questions) {
                const res = await rt.search.search({ q: q.question, top: 10, ...v.search }, v.tuning);
                ranks.push(goldRank(res.results.map((h) => h.text), q.gold));
              }
              ablation.push({ variant: v.variant, corpus: c.name, ours: scoreRanks(ranks) });
            }
          }
        : undefined,
    });
    sets.push({ ...summariseRun(run, opts.split), corpus: c.name });
  }
  return { corpus: proxy.name, sentences, split: opts.split, questions: questions.length, sets, ...(opts.ablation ? { ablation } : {}) };
}
