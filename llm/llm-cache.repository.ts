import type { Queryable } from '../store/index.ts';
import type { CacheKey, CachedResponse } from './response-cache.ts';

/** SQL of the model-answer cache (table `llm_cache`, migration 006). */
export class LlmCacheRepository {
  constructor(private readonly db: Queryable) {}

  async find(key: CacheKey): Promise<CachedResponse | null> {
    const { rows } = await this.db.query<{ response: string; prompt_tokens: number; completion_tokens: number }>(
      `SELECT response, prompt_tokens, completion_tokens FROM llm_cache
        WHERE model = $1 AND prompt_id = $2 AND prompt_version = $3 AND input_sha256 = $4`,
      [key.model, key.promptId, key.promptVersion, key.inputSha256],
    );
    const r = rows[0];
    return r ? { text: r.response, usage: { promptTokens: r.prompt_tokens, completionTokens: r.completion_tokens } } : null;
  }

  async upsert(key: CacheKey, value: CachedResponse): Promise<void> {
    await this.db.query(
      `INSERT INTO llm_cache (model, prompt_id, prompt_version, input_sha256, response, prompt_tokens, completion_tokens)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (model, prompt_id, prompt_version, input_sha256)
       DO UPDATE SET response = EXCLUDED.response, prompt_tokens = EXCLUDED.prompt_tokens,
                     completion_tokens = EXCLUDED.completion_tokens, created_at = now()`,
      [key.model, key.promptId, key.promptVersion, key.inputSha256, value.text, value.usage.promptTokens, value.usage.completionTokens],
    );
  }

  /** Delete answers of `promptId` under versions other than `keepVersion`; returns how many rows went. */
  async deleteOtherVersions(promptId: string, keepVersion: number): Promise<number> {
    const { rowCount } = await this.db.query('DELETE FROM llm_cache WHERE prompt_id = $1 AND prompt_version <> $2', [promptId, keepVersion]);
    return rowCount;
  }
}
