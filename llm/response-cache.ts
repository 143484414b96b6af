import { sha256Hex } from '../core/index.ts';
import type { Queryable } from '../store/index.ts';
import { LlmCacheRepository } from './llm-cache.repository.ts';
import type { UsageSink } from './metered-provider.ts';
import type { TokenUsage } from './provider.ts';

export interface CacheKey {
  /** `kind:model`, e.g. `ollama:qwen2.5:7b-instruct`. */
  model: string;
  promptId: string;
  promptVersion: number;
  /** sha256 of everything sent (see hashInput). */
  inputSha256: string;
}

export interface CachedResponse {
  text: string;
  usage: TokenUsage;
}

/**
 * Model answers by exact request (table `llm_cache`, migration 006). Only answers the caller has
 * validated should be stored: a cached answer is reused as is.
 */
export class LlmResponseCache {
  private readonly repo: LlmCacheRepository;

  /** `usage`: hits are recorded there (cache_hit = true), so the status page can count them. */
  constructor(
    db: Queryable,
    private readonly usage?: UsageSink,
  ) {
    this.repo = new LlmCacheRepository(db);
  }

  /** The stored answer for `key`, or null when absent. */
  async get(key: CacheKey): Promise<CachedResponse | null> {
    const started = performance.now();
    const hit = await this.repo.find(key);
    if (!hit) return null;
    if (this.usage) {
      const [provider, ...model] = key.model.split(':');
      await this.usage
        .record({ provider, model: model.join(':') || provider, purpose: `${key.promptId}@v${key.promptVersion}`, cacheHit: true, promptTokens: 0, completionTokens: 0, latencyMs: performance.now() - started })
        .catch(() => undefined);
    }
    return hit;
  }

  /** Store (or replace) the answer for `key`. Idempotent. */
  put(key: CacheKey, value: CachedResponse): Promise<void> {
    return this.repo.upsert(key, value);
  }

  /** Delete answers of prompt versions other than `keepVersion`; returns how many rows went. */
  prune(promptId: string, keepVersion: number): Promise<number> {
    return this.repo.deleteOtherVersions(promptId, keepVersion);
  }
}

/** sha256 of a JSON value with object keys sorted, so equal requests hash equally whatever their key order. */
export function hashInput(value: unknown): string {
  return sha256Hex(stableJson(value));
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, x]) => `${JSON.stringify(k)}:${stableJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}
