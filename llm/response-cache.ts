import { sha256Hex } from '../core/index.ts';
import type { Queryable } from '../store/index.ts';
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
  /** `usage`: hits are recorded there (cache_hit = true), so the status page can count them. */
  constructor(
    private readonly db: Queryable,
    private readonly usage?: UsageSink,
  ) {}

  /** The stored answer for `key`, or null when absent. */
  async get(key: CacheKey): Promise<CachedResponse | null> {
    const started = performance.now();
    const { rows } = await this.db.query<{ response: string; prompt_tokens: number; completion_tokens: number }>(
      `SELECT response, prompt_tokens, completion_tokens FROM llm_cache
        WHERE model = $1 AND prompt_id = $2 AND prompt_version = $3 AND input_sha256 = $4`,
      [key.model, key.promptId, key.promptVersion, key.inputSha256],
    );
    const r = rows[0];
    if (!r) return null;
    if (this.usage) {
      const [provider, ...model] = key.model.split(':');
      await this.usage
        .record({ provider, model: model.join(':') || provider, purpose: `${key.promptId}@v${key.promptVersion}`, cacheHit: true, promptTokens: 0, completionTokens: 0, latencyMs: performance.now() - started })
        .catch(() => undefined);
    }
    return { text: r.response, usage: { promptTokens: r.prompt_tokens, completionTokens: r.completion_tokens } };
  }

  /** Store (or replace) the answer for `key`. Idempotent. */
  async put(key: CacheKey, value: CachedResponse): Promise<void> {
    await this.db.query(
      `INSERT INTO llm_cache (model, prompt_id, prompt_version, input_sha256, response, prompt_tokens, completion_tokens)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (model, prompt_id, prompt_version, input_sha256)
       DO UPDATE SET response = EXCLUDED.response, prompt_tokens = EXCLUDED.prompt_tokens,
                     completion_tokens = EXCLUDED.completion_tokens, created_at = now()`,
      [key.model, key.promptId, key.promptVersion, key.inputSha256, value.text, value.usage.promptTokens, value.usage.completionTokens],
    );
  }

  /** Delete answers of prompt versions other than `keepVersion`; returns how many rows went. */
  async prune(promptId: string, keepVersion: number): Promise<number> {
    const { rowCount } = await this.db.query('DELETE FROM llm_cache WHERE prompt_id = $1 AND prompt_version <> $2', [promptId, keepVersion]);
    return rowCount;
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
