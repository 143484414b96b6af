import { SPLITS, type Split } from '../../evals/harness/datasets.ts';
import { parseSuites, runEval } from '../../evals/harness/run.ts';
import { AppError } from '../../core/index.ts';
import { fail, printJson } from '../output.ts';

export interface EvalCommandOptions {
  answers?: string;
  split?: string;
  limit?: string;
  compare?: string;
  out?: string;
  currentDb?: boolean;
  json?: boolean;
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
    const split = opts.split ?? 'dev';
    if (split !== 'none' && !(SPLITS as readonly string[]).includes(split)) {
      throw new AppError('VALIDATION_FAILED', `unknown split "${split}": choose ${SPLITS.join(', ')} or none`, { field: 'split' });
    }
    const { result, file } = await runEval({
      suite,
      answersFile: opts.answers,
      split: split as Split | 'none',
      limit: opts.limit ? Number(opts.limit) : undefined,
      compare: opts.compare,
      outDir: opts.out,
      currentDb: Boolean(opts.currentDb),
      print: !json,
      progress: (line) => process.stderr.write(`${line}\n`),
    });
    if (json) printJson({ file, ...result });
    else process.stdout.write(`\nresults written to ${file}\n`);
  } catch (e) {
    fail(e, json);
  }
}
