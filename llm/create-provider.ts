import type { LlmConfig } from '../core/config.ts';
import { limitProvider } from './limiter.ts';
import { OllamaProvider } from './ollama-provider.ts';
import { OpenAiProvider } from './openai-provider.ts';
import type { LlmProvider } from './provider.ts';

/**
 * The LLM provider named by configuration, behind the concurrency limit; `null` for `YZ_LLM=none`
 * (callers then use the deterministic engines). Nothing is contacted here: call `init()` to check the
 * server and model at start.
 *
 * Clients. OpenAI-compatible servers go through the official `openai` package (pinned): it is the
 * reference implementation of that wire format (SSE framing, `[DONE]`, error events, typed params) that
 * the compatible servers test against, and it takes a base URL, a per-request AbortSignal and a timeout.
 * Its own retries are switched off so both providers share one policy (transport.ts: 429/5xx/network
 * only, at most 2 retries, never on 4xx or a timeout). Ollama is spoken over plain fetch: its native
 * `/api/chat` is one JSON POST or an NDJSON stream, while the `ollama` package (0.6.x) cancels requests
 * only all at once per client (`abort()`), has no timeout and no retries; wrapping it for per-call
 * cancellation would take more code than the protocol itself.
 */
export function createProvider(config: LlmConfig, tuning: { retries?: number; backoffMs?: number } = {}): LlmProvider | null {
  if (config.kind === 'none') return null;
  // loadConfig refuses an LLM kind without URL and model; this guards callers that build LlmConfig by hand.
  if (!config.url || !config.model) throw new Error(`LlmConfig kind=${config.kind} needs url and model`);
  const opts = { url: config.url, model: config.model, apiKey: config.apiKey, timeoutMs: config.timeoutMs, numCtx: config.numCtx, ...tuning };
  const provider = config.kind === 'ollama' ? new OllamaProvider(opts) : new OpenAiProvider(opts);
  return limitProvider(provider, config.concurrency);
}
