import path from 'node:path';
import type { LlmConfig } from '../core/config.ts';
import { AppError, type Logger } from '../core/index.ts';
import { deidentifyProvider } from './deid-provider.ts';
import { EmbeddedProvider } from './embedded/embedded-provider.ts';
import { limitProvider } from './limiter.ts';
import { meterProvider, type UsageSink } from './metered-provider.ts';
import { catalogEntry, MODEL_CATALOG } from './models/catalog.ts';
import { OllamaProvider } from './ollama-provider.ts';
import { OpenAiProvider } from './openai-provider.ts';
import { promptedTools } from './prompted-tools.ts';
import type { LlmProvider } from './provider.ts';
import { type CapabilityStore, ToolModeProbe } from './tool-probe.ts';

/**
 * The LLM provider named by configuration, behind the concurrency limit; `null` for `YZ_LLM=none`
 * (callers then use the deterministic engines). Nothing is contacted or loaded here: call `init()` to
 * check the server and model (or load the embedded model) at start.
 *
 * Clients. OpenAI-compatible servers go through the official `openai` package (pinned): it is the
 * reference implementation of that wire format (SSE framing, `[DONE]`, error events, typed params) that
 * the compatible servers test against, and it takes a base URL, a per-request AbortSignal and a timeout.
 * Its own retries are switched off so both providers share one policy (transport.ts: 429/5xx/network
 * only, at most 2 retries, never on 4xx or a timeout). Ollama is spoken over plain fetch: its native
 * `/api/chat` is one JSON POST or an NDJSON stream, while the `ollama` package (0.6.x) cancels requests
 * only all at once per client (`abort()`), has no timeout and no retries; wrapping it for per-call
 * cancellation would take more code than the protocol itself. `embedded` runs a GGUF file in-process
 * through node-llama-cpp (llama.cpp's prebuilt CPU build); its sequences are its concurrency limit.
 */
export function createProvider(config: LlmConfig, tuning: { retries?: number; backoffMs?: number } = {}): LlmProvider | null {
  if (config.kind === 'none') return null;
  if (config.kind === 'embedded') return new EmbeddedProvider(embeddedOptions(config));
  // loadConfig refuses an LLM kind without URL and model; this guards callers that build LlmConfig by hand.
  if (!config.url || !config.model) throw new Error(`LlmConfig kind=${config.kind} needs url and model`);
  const opts = { url: config.url, model: config.model, apiKey: config.apiKey, timeoutMs: config.timeoutMs, numCtx: config.numCtx, ...tuning };
  const provider = config.kind === 'ollama' ? new OllamaProvider(opts) : new OpenAiProvider(opts);
  return limitProvider(provider, config.concurrency);
}

/** The GGUF file and settings of an embedded configuration: YZ_LLM_MODEL_FILE, or an installed catalog model. */
function embeddedOptions(config: LlmConfig) {
  const modelsDir = config.modelsDir ?? path.resolve('models');
  let file = config.modelFile;
  let name = config.model ?? (file ? path.basename(file, '.gguf') : '');
  if (!file) {
    const entry = catalogEntry(name);
    if (entry?.kind !== 'gguf') {
      const ids = MODEL_CATALOG.filter((e) => e.kind === 'gguf').map((e) => e.id);
      throw new AppError('CONFIG_INVALID', `YZ_LLM_MODEL=${name} 不是可安装的模型 / is not a catalog model (${ids.join(', ')}); set YZ_LLM_MODEL_FILE to use any GGUF file`, {
        field: 'YZ_LLM_MODEL',
      });
    }
    file = path.join(modelsDir, entry.id, entry.file);
    name = entry.id;
  }
  return {
    file,
    model: name,
    threads: config.threads ?? 1,
    contextSize: config.numCtx,
    concurrency: config.concurrency,
    timeoutMs: config.timeoutMs,
    memoryLimitBytes: config.memoryLimitMb ? config.memoryLimitMb * 1048576 : undefined,
  };
}

export interface LlmStackDeps {
  /** Where every call's tokens and latency go (llm_usage). */
  usage?: UsageSink;
  /** Where the tool-calling probe's answer is kept. */
  capabilities?: CapabilityStore | null;
  log?: Logger;
}

/**
 * The provider every feature uses: de-identification at the boundary (outermost, so nothing reaches a
 * model un-scrubbed, whoever calls), the prompted tool protocol for models without native tool calls
 * (decided by a probe, cached), metering of each model call (repair turns included), the concurrency
 * limit, and the model itself.
 */
export function buildLlmStack(provider: LlmProvider, deps: LlmStackDeps = {}): LlmProvider {
  const metered = deps.usage ? meterProvider(provider, deps.usage, deps.log) : provider;
  const probe = new ToolModeProbe(metered, deps.capabilities ?? null, deps.log);
  return deidentifyProvider(promptedTools(metered, () => probe.mode()));
}
