import { z } from 'zod';
import type { LlmConfig } from '../core/config.ts';
import { isAppError } from '../core/index.ts';
import { loadPrompts } from './prompts.ts';
import type { LlmProvider } from './provider.ts';
import type { LlmUsageRepository } from './usage.repository.ts';

export const LoadedModelSchema = z.object({
  file: z.string(),
  sizeBytes: z.number(),
  name: z.string().nullable(),
  architecture: z.string().nullable(),
  trainContextSize: z.number().nullable(),
  contextSize: z.number(),
  threads: z.number(),
  sequences: z.number(),
  loadMs: z.number(),
  estimatedRamBytes: z.number(),
});

export const LlmStatusSchema = z.object({
  kind: z.enum(['none', 'ollama', 'openai', 'embedded']),
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
  /** Who chose this model: the environment (YZ_LLM…) or an admin in Settings. */
  source: z.object({ kind: z.enum(['environment', 'settings']), version: z.number().optional(), updatedBy: z.string().optional(), updatedAt: z.string().optional(), connector: z.string().optional() }),
  /** The embedded model actually loaded (file, context, threads, load time); null for servers and none. */
  loaded: LoadedModelSchema.nullable(),
  /** Measured over the window's streamed answers; null until one was recorded. */
  speed: z.object({ promptTokensPerSec: z.number().nullable(), genTokensPerSec: z.number().nullable(), calls: z.number() }),
});
export type LlmStatus = z.infer<typeof LlmStatusSchema>;

/** A status check never waits longer than this, whatever YZ_LLM_TIMEOUT_MS allows a generation. */
const CHECK_TIMEOUT_MS = 5000;

/**
 * What Settings shows about the model: configuration and where it came from, a live check (an embedded
 * model is loaded by it), the loaded file, measured speed, usage statistics and prompt versions.
 */
export async function llmStatus(config: LlmConfig, provider: LlmProvider | null, usage: LlmUsageRepository, source: LlmStatus['source'] = { kind: 'environment' }): Promise<LlmStatus> {
  const timeout = config.kind === 'embedded' ? config.timeoutMs : Math.min(config.timeoutMs, CHECK_TIMEOUT_MS);
  const [check, stats] = await Promise.all([checkProvider(provider, timeout), usage.stats()]);
  const loaded = check.reachable && provider?.describe ? await provider.describe() : null;
  const speed = provider ? await usage.speed(provider.kind, provider.model) : { promptTokensPerSec: null, genTokensPerSec: null, calls: 0 };
  return {
    kind: config.kind,
    model: config.kind === 'none' ? null : (provider?.model ?? config.model ?? null),
    url: config.kind === 'none' ? null : (provider?.url ?? config.url ?? null),
    ...check,
    contextSize: loaded?.contextSize ?? config.numCtx,
    stats,
    prompts: loadPrompts().map((p) => ({ id: p.id, version: String(p.version), language: p.language })),
    source,
    loaded,
    speed,
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
