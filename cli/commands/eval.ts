import { AppError } from '../../core/index.ts';
import { parseSuites, parseTextbookCorpusName, runEval, type TextbookCorpusName } from '../../evals/harness/run.ts';
import { fail, printJson } from '../output.ts';

export interface EvalCommandOptions {
  answers?: string;
  limit?: string;
  compare?: string;
  out?: string;
  currentDb?: boolean;
  split?: string;
  corpus?: string;
  ablation?: boolean;
  json?: boolean;
  model?: string;
  embedder?: string;
  caseEmbedder?: string;
  extractionLimit?: string;
}

/**
 * `yingzhi eval [suite]`: run the authored evaluation sets (retrieval, answers, faithfulness, all, or a
 * comma-separated list) on a
 * fresh in-memory database with the demo corpus, print tables, write evals/results/<suite>-<timestamp>.json.
 */
export async function evalCommand(suite: string, opts: EvalCommandOptions): Promise<void> {
  const json = Boolean(opts.json);
  try {
    parseSuites(suite);
    const { result, file } = await runEval({
      suite,
      answersFile: opts.answers,
      limit: opts.limit ? Number(opts.limit) : undefined,
      compare: opts.compare,
      outDir: opts.out,
      currentDb: Boolean(opts.currentDb),
      model: opts.model,
      embedder: opts.embedder,
      caseEmbedder: opts.caseEmbedder,
      extractionLimit: opts.extractionLimit ? Number(opts.extractionLimit) : undefined,
      split: parseSplit(opts.split),
      textbookCorpus: parseCorpus(opts.corpus),
      ablation: Boolean(opts.ablation),
      print: !json,
      progress: (line) => process.stderr.write(`${line}\n`),
    });
    if (json) printJson({ file, ...result });
    else process.stdout.write(`\nresults written to ${file}\n`);
  } catch (e) {
    fail(e, json);
  }
}

function parseCorpus(corpus: string | undefined): TextbookCorpusName {
  try {
    return parseTextbookCorpusName(corpus);
  } catch (e) {
    throw new AppError('VALIDATION_FAILED', `--corpus: ${(e as Error).message}`, { field: 'corpus' });
  }
}

function parseSplit(split: string | undefined): 'dev' | 'heldout' | 'all' | 'none' {
  if (split === undefined) return 'dev';
  if (split === 'dev' || split === 'heldout' || split === 'all' || split === 'none') return split;
  throw new AppError('VALIDATION_FAILED', `--split must be dev, heldout, all or none, not "${split}"`, { field: 'split' });
}
