import { AppError } from '../../core/index.ts';

/** Which engine an evaluation ran against, and why. Recorded in every result file. */
export interface EngineChoice {
  /** `YZ_EVAL_LLM_URL`: the evaluation endpoint; `YZ_LLM`: the product configuration (none → extractive). */
  via: 'YZ_EVAL_LLM_URL' | 'YZ_LLM' | '--model';
  kind: 'none' | 'ollama' | 'openai' | 'embedded';
  model: string | null;
  url: string | null;
}

/**
 * The environment an evaluation runtime is configured from. With `YZ_EVAL_LLM_URL` the evaluation
 * endpoint replaces the product's model (`YZ_EVAL_LLM_MODEL` required, `YZ_EVAL_LLM_KIND` ollama |
 * openai, default ollama, `YZ_EVAL_LLM_API_KEY` optional — the product's key is never sent to it);
 * otherwise `YZ_LLM` as configured. A fresh evaluation database (the default) ignores DATABASE_URL and
 * NEO4J_URL and extracts with the rules engine, so a run never touches the product's data or spends
 * model calls on ingestion.
 */
export function evalEnvironment(
  base: Record<string, string | undefined>,
  opts: { currentDb?: boolean; model?: string; embedder?: string } = {},
): { env: Record<string, string>; engine: EngineChoice } {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined) env[k] = v;
  let via: EngineChoice['via'] = 'YZ_LLM';
  // `--model qwen-1.5b`: an installed local model, run in-process (npm run models -- install …).
  if (opts.model) {
    env.YZ_LLM = 'embedded';
    env.YZ_LLM_MODEL = opts.model;
    delete env.YZ_LLM_MODEL_FILE;
    via = '--model';
  }
  if (opts.embedder) env.YZ_EMBEDDER = opts.embedder;
  const url = env.YZ_EVAL_LLM_URL?.trim();
  if (url && !opts.model) {
    const kind = env.YZ_EVAL_LLM_KIND?.trim() || 'ollama';
    if (kind !== 'ollama' && kind !== 'openai') {
      throw new AppError('CONFIG_INVALID', `YZ_EVAL_LLM_KIND must be ollama or openai, not "${kind}"`, { field: 'YZ_EVAL_LLM_KIND' });
    }
    const model = env.YZ_EVAL_LLM_MODEL?.trim();
    if (!model) throw new AppError('CONFIG_INVALID', 'YZ_EVAL_LLM_URL is set but YZ_EVAL_LLM_MODEL is not: name the model to evaluate', { field: 'YZ_EVAL_LLM_MODEL' });
    env.YZ_LLM = kind;
    env.YZ_LLM_URL = url;
    env.YZ_LLM_MODEL = model;
    delete env.YZ_LLM_API_KEY;
    if (env.YZ_EVAL_LLM_API_KEY) env.YZ_LLM_API_KEY = env.YZ_EVAL_LLM_API_KEY;
    via = 'YZ_EVAL_LLM_URL';
  }
  if (!opts.currentDb) {
    delete env.DATABASE_URL;
    delete env.NEO4J_URL;
    env.YZ_AUTO_EXTRACT = 'rules';
  }
  const kind = (env.YZ_LLM ?? 'none') as EngineChoice['kind'];
  return {
    env,
    engine: { via, kind, model: kind === 'none' ? null : (env.YZ_LLM_MODEL ?? env.YZ_LLM_MODEL_FILE ?? null), url: kind === 'none' ? null : (env.YZ_LLM_URL ?? null) },
  };
}
