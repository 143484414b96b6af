import { z } from 'zod';
import type { LlmConfig } from '../core/config.ts';
import { isAppError } from '../core/index.ts';
import { loadPrompts } from './prompts.ts';
import type { LlmProvider } from './provider.ts';
import type { LlmUsageRepository } from './usage.repository.ts';

export const LlmStatusSchema = z.object({
  kind: z.enum(['none', 'ollama', 'openai']),
  model: z.string().nullable(),
  url: z.string().nullable(),
  /** Whether the server answered and serves the model just now; null when no LLM is configured. */
  reachable: z.boolean().nullable(),
  error: z.string().nullable(),
  /** The context window every request is sized for (YZ_LLM_NUM_CTX; Ollama `options.num_ctx`). */
  contextSize: z.number().int(),
  checkedLatencyMs: z.number().nullable(),
  stats: z.object({
    calls: z.number().int(),
    cacheHits: z.number().int(),
    promptTokens: z.number().int(),
    completionTokens: z.number().int(),
    p50Ms: z.number().nullable(),
    p95Ms: z.number().nullable(),
    since: z.string(),
  }),
  prompts: z.array(z.object({ id: z.string(), version: z.string(), language: z.string() })),
});
export type LlmStatus = z.infer<typeof LlmStatusSchema>;

/** A status check never waits longer than this, whatever YZ_LLM_TIMEOUT_MS allows a generation. */
const CHECK_TIMEOUT_MS = 5000;

/** What Settings shows about the model: configuration, a live check, usage statistics and prompt versions. */
export async function llmStatus(config: LlmConfig, provider: LlmProvider | null, usage: LlmUsageRepository): Promise<LlmStatus> {
  const [check, stats] = await Promise.all([checkProvider(provider, Math.min(config.timeoutMs, CHECK_TIMEOUT_MS)), usage.stats()]);
  return {
    kind: config.kind,
    model: config.kind === 'none' ? null : (config.model ?? null),
    url: config.kind === 'none' ? null : (config.url ?? null),
    ...check,
    contextSize: config.numCtx,
    stats,
    prompts: loadPrompts().map((p) => ({ id: p.id, version: String(p.version), language: p.language })),
  };
}

async function checkProvider(provider: LlmProvider | null, timeoutMs: number): Promise<Pick<LlmStatus, 'reachable' | 'error' | 'checkedLatencyMs'>> {
  if (!provider) return { reachable: null, error: null, checkedLatencyMs: null };
  const started = performance.now();
  try {
    await provider.init(AbortSignal.timeout(timeoutMs));
    return { reachable: true, error: null, checkedLatencyMs: Math.round(performance.now() - started) };
  } catch (e) {
    const message = isAppError(e) ? e.message : (e as { name?: string })?.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : String((e as Error)?.message ?? e);
    return { reachable: false, error: message, checkedLatencyMs: Math.round(performance.now() - started) };
  }
}
